"""The polling part's task names are registered jobs, and its deferrers defer exactly those."""

from __future__ import annotations

import inspect

import procrastinate
from procrastinate.testing import InMemoryConnector

from payserv.jobs import all_jobs
from payserv.polling import tasks

REGISTERED = {spec.name for spec in all_jobs()}


def test_every_task_name_is_a_registered_job() -> None:
    names = {
        value for name, value in vars(tasks).items() if name.isupper() and isinstance(value, str)
    }
    assert names == {tasks.CHECK_PAYMENT_STATUS}
    assert names <= REGISTERED


async def test_every_deferrer_defers_a_registered_job() -> None:
    deferrers = {
        name
        for name, value in vars(tasks).items()
        if name.startswith("defer_") and inspect.iscoroutinefunction(value)
    }
    assert deferrers == {"defer_status_check"}, "a new deferrer needs its case below"
    connector = InMemoryConnector()
    queue = procrastinate.App(connector=connector)
    async with queue.open_async():
        # The in-memory connector ignores the connection: only the task name matters here.
        await tasks.defer_status_check(None, queue, "a-payment")
    assert [job["task_name"] for job in connector.jobs.values()] == [tasks.CHECK_PAYMENT_STATUS]
