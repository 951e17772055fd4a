"""The worker fills all its free slots with one fetch, never runs more than its slots, and
sends one fetch per job when jobs come one at a time."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import replace
from typing import Any

import asyncpg
import pytest
from procrastinate import jobs

from payserv.connector import AsyncpgConnector
from payserv.queue import JobDeps, JobSpec, defer
from payserv.settings import Settings
from payserv.worker import FETCH_JOBS, BatchFetchWorker
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


def new_marker(prefix: str, *, gate_open: bool) -> str:
    """A marker for this test's gated jobs; with ``gate_open`` they end as soon as they run."""
    marker = f"{prefix}-{uuid.uuid4()}"
    RUNNING[marker] = MOST_RUNNING[marker] = 0
    RELEASE[marker], DONE[marker] = asyncio.Event(), asyncio.Queue()
    if gate_open:
        RELEASE[marker].set()
    return marker


async def test_one_fetch_fills_the_free_slots_and_slots_bound_the_running_jobs(
    settings: Settings, dsn: str, db: asyncpg.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    marker = new_marker("gated", gate_open=False)
    fetches: list[tuple[int, int]] = []  # (jobs asked for, jobs fetched)
    watch_fetches(monkeypatch, fetches)
    three_slots = replace(settings, worker_concurrency=3, worker_poll_interval=0.1)
    async with running_worker(three_slots, dsn, [GATED]) as (queue, _runner):
        await _until(lambda: len(fetches) >= 1)  # the worker's first look at an empty queue
        async with db.transaction():
            for _ in range(8):
                await defer(db, queue, "tests.gated", marker=marker)
        await _until(lambda: RUNNING[marker] == 3)
        await asyncio.sleep(0.5)  # a fourth job would have been fetched by now
        assert MOST_RUNNING[marker] == 3
        assert fetches[1] == (3, 3), fetches
        RELEASE[marker].set()
        for _ in range(8):
            await asyncio.wait_for(DONE[marker].get(), timeout=10)
    assert MOST_RUNNING[marker] == 3
    ran = await db.fetch(
        "SELECT id, worker_id FROM procrastinate_jobs WHERE task_name = 'tests.gated' "
        "AND args->>'marker' = $1 AND status = 'succeeded'",
        marker,
    )
    assert len(ran) == 8  # each once: a fetch never hands out one job twice


async def test_jobs_one_at_a_time_cost_no_extra_fetches(
    settings: Settings, dsn: str, db: asyncpg.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    fetches: list[tuple[int, int]] = []
    watch_fetches(monkeypatch, fetches)
    # Polling every 60 s: each job is fetched when its NOTIFY wakes the worker.
    quiet = replace(settings, worker_poll_interval=60.0)
    marker = new_marker("one", gate_open=True)
    async with running_worker(quiet, dsn, [GATED]) as (queue, _runner):
        await _until(lambda: len(fetches) >= 1)  # the worker's first look at an empty queue
        for _ in range(5):
            async with db.transaction():
                await defer(db, queue, "tests.gated", marker=marker)
            await asyncio.wait_for(DONE[marker].get(), timeout=10)
            await asyncio.sleep(0.2)  # time for any further fetch to happen
    # One fetch per job: it asked for all its free slots, got one, so the queue was empty;
    # a worker fetching one job per round trip sends a second fetch to find that out.
    assert len(fetches) == 1 + 5, fetches
    assert all(asked == quiet.worker_concurrency for asked, _ in fetches), fetches


async def test_a_job_committed_during_a_fetch_is_fetched_without_waiting_for_the_poll(
    settings: Settings, dsn: str, db: asyncpg.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    fetches: list[tuple[int, int]] = []
    watch_fetches(monkeypatch, fetches)
    holding, release = asyncio.Event(), asyncio.Event()
    hold_next = False
    original = BatchFetchWorker._fetch_jobs

    async def held(self: BatchFetchWorker, wanted: int) -> list[jobs.Job]:
        # Keeps one fetch open after its statement ran (its snapshot is taken).
        nonlocal hold_next
        fetched = await original(self, wanted)
        if hold_next:
            hold_next = False
            holding.set()
            await release.wait()
        return fetched

    monkeypatch.setattr(BatchFetchWorker, "_fetch_jobs", held)
    # Polling every 60 s: only a NOTIFY can start the second job within the wait below.
    quiet = replace(settings, worker_poll_interval=60.0)
    marker = new_marker("during", gate_open=True)
    async with running_worker(quiet, dsn, [GATED]) as (queue, _runner):
        await _until(lambda: len(fetches) >= 1)  # the worker's first look at an empty queue
        await asyncio.sleep(0.5)  # and the one its LISTEN connection's wake-up causes
        hold_next = True
        async with db.transaction():
            await defer(db, queue, "tests.gated", marker=marker)
        await asyncio.wait_for(holding.wait(), timeout=10)
        async with db.transaction():
            await defer(db, queue, "tests.gated", marker=marker)
        await asyncio.sleep(0.3)  # its NOTIFY arrives while the first fetch is still open
        release.set()
        for _ in range(2):
            await asyncio.wait_for(DONE[marker].get(), timeout=5)


def watch_fetches(monkeypatch: pytest.MonkeyPatch, fetches: list[tuple[int, int]]) -> None:
    """Record each of the worker's fetches as (jobs asked for, jobs fetched)."""
    original = AsyncpgConnector.execute_query_all_async

    async def watched(self: AsyncpgConnector, query: str, **arguments: Any) -> Any:
        rows = await original(self, query, **arguments)
        if query == FETCH_JOBS:
            fetches.append((arguments["wanted"], len(rows)))
        return rows

    monkeypatch.setattr(AsyncpgConnector, "execute_query_all_async", watched)


async def _until(condition: Any, timeout: float = 10.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.01)
