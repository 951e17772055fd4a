"""Procrastinate's worker with several fetch loops: one loop starves under HTTP load.

Procrastinate's worker fetches jobs one at a time, and each fetch takes a few turns of the
event loop (a semaphore task, a wait on two tasks, the query). In ``serve`` the same loop
answers HTTP, and under load a turn takes milliseconds: measured with 16 clients creating
payments, one loop fetched ~30 jobs/s while 220/s were queued, so the queue only grew.
Several loops fetch side by side, sharing the worker's slots (its semaphore), so the
worker keeps up; an idle worker still sends one fetch per loop per wake-up.
"""

from __future__ import annotations

import asyncio
from typing import Any

import procrastinate
from procrastinate import worker

# Enough to keep 10 slots busy under load in one `serve` process (measured: 4 loops kept
# twice the pace of one); each extra loop costs one empty fetch per wake-up when idle.
FETCH_LOOPS = 4


class ParallelFetchWorker(worker.Worker):
    """A ``procrastinate.worker.Worker`` whose fetching runs in ``fetch_loops`` loops."""

    def __init__(self, *, fetch_loops: int = FETCH_LOOPS, **options: Any) -> None:
        super().__init__(**options)
        self.fetch_loops = fetch_loops

    async def _fetch_and_process_jobs(self) -> None:
        # Each loop fetches until the queue is empty or the worker stops (procrastinate
        # 3.10's loop; its slots are a semaphore, so the loops never run more jobs than
        # ``concurrency``).
        fetch_until_empty = super()._fetch_and_process_jobs
        await asyncio.gather(*(fetch_until_empty() for _ in range(self.fetch_loops)))


async def run_worker(app: procrastinate.App, *, fetch_loops: int, **options: Any) -> None:
    """Like ``app.run_worker_async(**options)``, with :class:`ParallelFetchWorker`."""
    app.perform_import_paths()
    await ParallelFetchWorker(app=app, fetch_loops=fetch_loops, **options).run()
