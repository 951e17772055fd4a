"""A job for queue tests: it records its runs so a test can await them."""

from __future__ import annotations

import asyncio
from collections import defaultdict

from payserv.queue import JobDeps, JobSpec

RUNS: defaultdict[str, asyncio.Queue[int]] = defaultdict(asyncio.Queue)


async def record(deps: JobDeps, marker: str, sleep: float = 0.0) -> None:
    """Sleep on the first attempt (to be killed mid-run), then record ``marker``."""
    if sleep and deps.attempt == 0:
        await asyncio.sleep(sleep)
    RUNS[marker].put_nowait(deps.job_id or 0)


RECORD = JobSpec(name="tests.record", function=record)
