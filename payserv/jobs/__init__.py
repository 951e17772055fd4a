"""Every background job of payserv, registered on the queue app at start-up."""

from __future__ import annotations

from payserv.jobs import atompay, gateway, maintenance, polling
from payserv.queue import JobSpec


def all_jobs() -> list[JobSpec]:
    """The job specs of every part."""
    return [
        *maintenance.JOBS,
        # ----- part jobs -----
        *gateway.JOBS,
        *atompay.JOBS,
        *polling.JOBS,
    ]
