"""Jobs every part relies on: retrying jobs whose worker died, forgetting old login failures."""

from __future__ import annotations

import structlog

from payserv.database import pooled_connection
from payserv.login_throttle import purge_expired
from payserv.queue import JobDeps, JobSpec, every_seconds_cron
from payserv.settings import Settings

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


async def purge_login_failures(deps: JobDeps, timestamp: int) -> None:
    """Delete the failed-login counts whose 15-minute window has passed."""
    async with pooled_connection(deps.pool) as conn:
        purged = await purge_expired(conn)
    if purged:
        log.info("login_failures_purged", count=purged)


def _stalled_check_cron(settings: Settings) -> str:
    # Half the stall timeout, but at least twice a minute: how long a job whose worker died
    # waits is the stall timeout plus this.
    return every_seconds_cron(min(30.0, settings.stalled_job_seconds / 2))


JOBS = [
    JobSpec(
        name="maintenance.retry_stalled_jobs",
        function=retry_stalled_jobs,
        cron=_stalled_check_cron,
    ),
    JobSpec(
        name="maintenance.purge_login_failures",
        function=purge_login_failures,
        cron=lambda settings: "*/15 * * * *",
    ),
]
