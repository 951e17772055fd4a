"""Jobs every part relies on: retrying jobs whose worker died."""

from __future__ import annotations

import structlog

from payserv.queue import JobDeps, JobSpec

log = structlog.get_logger(__name__)


async def retry_stalled_jobs(deps: JobDeps, timestamp: int) -> None:
    """Put back to ``todo`` the jobs left ``doing`` by a worker that stopped heartbeating."""
    manager = deps.queue.job_manager
    stalled = await manager.get_stalled_jobs(
        seconds_since_heartbeat=deps.settings.stalled_job_seconds
    )
    for job in stalled:
        log.warning("stalled_job_retried", stalled_job_id=job.id, task=job.task_name)
        await manager.retry_job(job)


def every_seconds(seconds: float) -> str:
    """A six-field cron (croniter: seconds last) firing about every ``seconds``."""
    step = max(1, min(30, int(seconds)))
    return f"* * * * * */{step}"


JOBS = [
    JobSpec(
        name="maintenance.retry_stalled_jobs",
        function=retry_stalled_jobs,
        cron=lambda settings: every_seconds(settings.stalled_job_seconds / 2),
    ),
]
