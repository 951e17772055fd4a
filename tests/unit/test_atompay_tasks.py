"""Every atompay task name is a registered job (a typo would leave a job no worker runs)."""

from __future__ import annotations

from payserv.atompay import tasks
from payserv.jobs import all_jobs


def _task_constants() -> dict[str, str]:
    return {
        name: value
        for name, value in vars(tasks).items()
        if name.isupper() and isinstance(value, str)
    }


def test_every_task_constant_is_a_registered_job() -> None:
    registered = {spec.name for spec in all_jobs()}
    constants = _task_constants()
    assert constants, "payserv.atompay.tasks declares no task names"
    assert set(constants.values()) <= registered


def test_every_atompay_job_uses_a_task_constant() -> None:
    atompay_jobs = {spec.name for spec in all_jobs() if spec.name.startswith("atompay.")}
    assert atompay_jobs == set(_task_constants().values())
