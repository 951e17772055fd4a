"""The worker adds fetch loops while jobs pile up, never runs more than its slots, and sends
no more fetches than one loop while jobs come one at a time."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import replace
from typing import Any

import asyncpg
import pytest

from payserv.connector import AsyncpgConnector, query_name
from payserv.queue import JobDeps, JobSpec, defer
from payserv.settings import Settings
from tests.helpers.worker_stack import running_worker

RUNNING: dict[str, int] = {}
MOST_RUNNING: dict[str, int] = {}
RELEASE: dict[str, asyncio.Event] = {}
DONE: dict[str, asyncio.Queue[None]] = {}


async def gated(deps: JobDeps, marker: str) -> None:
    """Count itself as running until the test opens the gate."""
    RUNNING[marker] += 1
    MOST_RUNNING[marker] = max(MOST_RUNNING[marker], RUNNING[marker])
    await RELEASE[marker].wait()
    RUNNING[marker] -= 1
    DONE[marker].put_nowait(None)


GATED = JobSpec(name="tests.gated", function=gated)


async def test_fetches_overlap_and_slots_bound_the_running_jobs(
    settings: Settings, dsn: str, db: asyncpg.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    marker = f"gated-{uuid.uuid4()}"
    RUNNING[marker] = MOST_RUNNING[marker] = 0
    RELEASE[marker], DONE[marker] = asyncio.Event(), asyncio.Queue()
    in_flight = most_in_flight = 0
    original = AsyncpgConnector.execute_query_one_async

    async def slow_fetch(self: AsyncpgConnector, query: str, **arguments: Any) -> dict[str, Any]:
        # Each fetch takes 0.2 s, as under load: with one loop they would follow each other.
        nonlocal in_flight, most_in_flight
        if query_name(query) != "fetch_job":
            return await original(self, query, **arguments)
        in_flight += 1
        most_in_flight = max(most_in_flight, in_flight)
        try:
            await asyncio.sleep(0.2)
            return await original(self, query, **arguments)
        finally:
            in_flight -= 1

    monkeypatch.setattr(AsyncpgConnector, "execute_query_one_async", slow_fetch)
    three_slots = replace(settings, worker_concurrency=3, worker_poll_interval=0.1)
    async with running_worker(three_slots, dsn, [GATED]) as (queue, _runner):
        async with db.transaction():
            for _ in range(8):
                await defer(db, queue, "tests.gated", marker=marker)
        await _until(lambda: RUNNING[marker] == 3)
        await asyncio.sleep(0.5)  # a fourth job would have been fetched by now
        assert MOST_RUNNING[marker] == 3
        RELEASE[marker].set()
        for _ in range(8):
            await asyncio.wait_for(DONE[marker].get(), timeout=10)
    assert most_in_flight >= 2, "the fetches never overlapped: one fetch loop"
    assert MOST_RUNNING[marker] == 3
    ran = await db.fetchval(
        "SELECT count(*) FROM procrastinate_jobs WHERE task_name = 'tests.gated' "
        "AND status = 'succeeded'"
    )
    assert ran == 8


async def test_jobs_one_at_a_time_cost_no_extra_fetches(
    settings: Settings, dsn: str, db: asyncpg.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    fetches = 0
    original = AsyncpgConnector.execute_query_one_async

    async def counted(self: AsyncpgConnector, query: str, **arguments: Any) -> dict[str, Any]:
        nonlocal fetches
        fetches += query_name(query) == "fetch_job"
        return await original(self, query, **arguments)

    monkeypatch.setattr(AsyncpgConnector, "execute_query_one_async", counted)
    # Polling every 60 s: each job is fetched when its NOTIFY wakes the worker.
    quiet = replace(settings, worker_poll_interval=60.0)
    marker = f"one-{uuid.uuid4()}"
    RUNNING[marker] = MOST_RUNNING[marker] = 0
    RELEASE[marker], DONE[marker] = asyncio.Event(), asyncio.Queue()
    RELEASE[marker].set()
    async with running_worker(quiet, dsn, [GATED]) as (queue, _runner):
        await _until(lambda: fetches >= 1)  # the worker's first look at an empty queue
        for _ in range(5):
            async with db.transaction():
                await defer(db, queue, "tests.gated", marker=marker)
            await asyncio.wait_for(DONE[marker].get(), timeout=10)
            await asyncio.sleep(0.2)  # the loop looks once more and finds nothing
    # Per job: the fetch that got it and the one that found the queue empty; four loops
    # woken by each NOTIFY would have sent four or more.
    assert fetches <= 1 + 2 * 5, fetches


async def _until(condition: Any, timeout: float = 10.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.01)
