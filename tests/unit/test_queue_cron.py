"""Periodic jobs' schedules: an interval in seconds as a six-field cron."""

from __future__ import annotations

import pytest

from payserv.jobs.maintenance import JOBS
from payserv.queue import every_seconds_cron
from payserv.settings import Settings


@pytest.mark.parametrize(
    ("seconds", "cron"),
    [
        (0.5, "* * * * * */1"),
        (1, "* * * * * */1"),
        (15.9, "* * * * * */15"),
        (45, "* * * * * */45"),
        (60, "*/1 * * * * 0"),
        (300, "*/5 * * * * 0"),
        (7200, "0 */2 * * * 0"),
        (200_000, "0 */23 * * * 0"),
    ],
)
def test_every_seconds_cron(seconds: float, cron: str) -> None:
    assert every_seconds_cron(seconds) == cron


@pytest.mark.parametrize(
    ("stalled_job_seconds", "cron"),
    [(1, "* * * * * */1"), (30, "* * * * * */15"), (600, "* * * * * */30")],
)
def test_stalled_jobs_are_looked_for_every_half_timeout_at_most_30_s(
    stalled_job_seconds: float, cron: str
) -> None:
    (spec,) = [job for job in JOBS if job.name == "maintenance.retry_stalled_jobs"]
    assert spec.cron is not None
    assert spec.cron(Settings(stalled_job_seconds=stalled_job_seconds)) == cron
