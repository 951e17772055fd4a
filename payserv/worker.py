"""Procrastinate's worker, with more fetch loops while jobs pile up.

Procrastinate's worker fetches jobs one at a time, and each fetch takes a few turns of the
event loop (a semaphore task, a wait on two tasks, the query). In ``serve`` the same loop
answers HTTP, and under load a turn takes milliseconds: measured with 16 clients creating
payments, one loop fetched ~30 jobs/s while 220/s were queued, so the queue only grew.

So when more jobs run at once than loops fetch, the worker starts another loop (up to
``fetch_loops``), sharing the worker's slots (its semaphore: never more than
``concurrency`` jobs). A loop ends when it finds the queue empty. A worker that gets one
job at a time keeps one loop, and sends no more fetches than Procrastinate's own: many
workers woken by each NOTIFY would otherwise all send empty fetches.
"""

from __future__ import annotations

import asyncio
from typing import Any

import procrastinate
from procrastinate import job_context, worker

# Enough to keep 10 slots busy under HTTP load in one `serve` process (measured: 4 loops
# settled about three times as many payments during the load as one).
FETCH_LOOPS = 4


class GrowingFetchWorker(worker.Worker):
    """A ``procrastinate.worker.Worker`` that fetches in up to ``fetch_loops`` loops."""

    def __init__(self, *, fetch_loops: int = FETCH_LOOPS, **options: Any) -> None:
        super().__init__(**options)
        self.fetch_loops = fetch_loops
        self._extra_loops: set[asyncio.Task[None]] = set()
        self._extra_loop_error: BaseException | None = None

    async def _fetch_and_process_jobs(self) -> None:
        # Procrastinate 3.10's loop: fetches until the queue is empty or the worker stops.
        try:
            await super()._fetch_and_process_jobs()
            while self._extra_loops:
                await asyncio.wait(set(self._extra_loops))
        except BaseException:
            # Stopping (cancelled), or the first loop lost the database: the extra loops
            # stop with it, never fetching for a worker that is going away.
            for loop in self._extra_loops:
                loop.cancel()
            raise
        # An extra loop's failure (a lost database) stops the worker as the first loop's would.
        error, self._extra_loop_error = self._extra_loop_error, None
        if error is not None:
            raise error

    async def _process_job(self, context: job_context.JobContext) -> None:
        # Called as each fetched job starts: more jobs running than loops fetching means the
        # queue holds more than one loop keeps up with.
        loops = 1 + len(self._extra_loops)
        if len(self._running_jobs) > loops and loops < self.fetch_loops:
            self._start_loop()
        await super()._process_job(context)

    def _start_loop(self) -> None:
        if self._stop_event.is_set():
            return
        loop = asyncio.create_task(super()._fetch_and_process_jobs(), name="payserv-fetch-loop")
        self._extra_loops.add(loop)  # the event loop keeps only a weak reference to a task
        loop.add_done_callback(self._loop_ended)

    def _loop_ended(self, loop: asyncio.Task[None]) -> None:
        self._extra_loops.discard(loop)
        if not loop.cancelled() and loop.exception() is not None:
            self._extra_loop_error = self._extra_loop_error or loop.exception()


async def run_worker(app: procrastinate.App, *, fetch_loops: int, **options: Any) -> None:
    """Like ``app.run_worker_async(**options)``, with :class:`GrowingFetchWorker`."""
    app.perform_import_paths()
    await GrowingFetchWorker(app=app, fetch_loops=fetch_loops, **options).run()
