"""A worker (with its supervisor) on a pool of its own, for tests that tune it."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import aiohttp
import procrastinate

from payserv.connector import AsyncpgConnector
from payserv.database import create_pool
from payserv.listener import ListenTimings
from payserv.queue import JobDeps, JobSpec, WorkerRunner, build_queue_app
from payserv.settings import Settings


@contextlib.asynccontextmanager
async def running_worker(
    settings: Settings,
    dsn: str,
    jobs: list[JobSpec],
    *,
    listen: ListenTimings | None = None,
    stop_margin: float = 15.0,
) -> AsyncIterator[tuple[procrastinate.App, WorkerRunner]]:
    """A started ``WorkerRunner`` and its queue; ``create_app`` cannot shorten these."""
    pool = await create_pool(dsn, 10)
    queue = build_queue_app(dsn, settings, jobs)
    if listen is not None:
        assert isinstance(queue.connector, AsyncpgConnector)
        queue.connector.listen = listen
    await queue.open_async(pool=pool)
    try:
        async with aiohttp.ClientSession() as http:
            deps = JobDeps(pool, settings, queue, http)
            runner = WorkerRunner(queue, deps, settings, stop_margin=stop_margin)
            runner.start()
            try:
                yield queue, runner
            finally:
                await runner.stop()
    finally:
        await queue.close_async()
        await pool.close()
