"""Jobs that end together are recorded by one statement; a job whose end cannot be recorded
fails alone, and the others of its batch are recorded."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import procrastinate
import pytest
from procrastinate import exceptions, jobs

from payserv.connector import AsyncpgConnector, JobFinish
from payserv.database import create_pool
from payserv.queue import build_queue_app, defer
from payserv.settings import Settings
from payserv.worker import FETCH_JOBS
from tests.helpers.jobs import RECORD


@pytest.fixture
async def queue(settings: Settings, dsn: str) -> AsyncIterator[procrastinate.App]:
    pool = await create_pool(dsn, 10)
    app = build_queue_app(dsn, settings, [RECORD])
    await app.open_async(pool=pool)
    yield app
    await app.close_async()
    await pool.close()


async def claimed_jobs(queue: procrastinate.App, db: asyncpg.Connection, count: int) -> list[int]:
    """``count`` jobs deferred and claimed ("doing"), as a worker would fetch them."""
    async with db.transaction():
        for number in range(count):
            await defer(db, queue, "tests.record", marker=f"finish-{number}")
    worker_id = await queue.job_manager.register_worker()
    rows = await queue.connector.execute_query_all_async(
        FETCH_JOBS, queues=None, worker_id=worker_id, wanted=count
    )
    assert len(rows) == count
    return [row["id"] for row in rows]


async def finish(queue: procrastinate.App, job_id: int) -> None:
    await queue.job_manager.finish_job_by_id_async(
        job_id=job_id, status=jobs.Status.SUCCEEDED, delete_job=False
    )


def watch_statements(monkeypatch: pytest.MonkeyPatch) -> list[list[int]]:
    """The job ids of each finishing statement the connector sends."""
    sent: list[list[int]] = []
    original = AsyncpgConnector._finish

    async def watched(self: AsyncpgConnector, finishes: list[JobFinish]) -> None:
        sent.append([finish.job_id for finish in finishes])
        await original(self, finishes)

    monkeypatch.setattr(AsyncpgConnector, "_finish", watched)
    return sent


async def test_twenty_jobs_ending_together_are_finished_by_one_statement(
    queue: procrastinate.App, db: asyncpg.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    job_ids = await claimed_jobs(queue, db, 20)
    sent = watch_statements(monkeypatch)
    await asyncio.gather(*(finish(queue, job_id) for job_id in job_ids))
    assert sorted(sent) == [sorted(job_ids)]
    rows = await db.fetch("SELECT status::text, attempts FROM procrastinate_jobs")
    assert [tuple(row) for row in rows] == [("succeeded", 1)] * 20


async def test_a_job_already_finished_fails_alone_and_the_others_are_recorded(
    queue: procrastinate.App, db: asyncpg.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    done, *others = await claimed_jobs(queue, db, 3)
    await finish(queue, done)
    sent = watch_statements(monkeypatch)
    results = await asyncio.gather(
        *(finish(queue, job_id) for job_id in (done, *others)), return_exceptions=True
    )
    assert isinstance(results[0], exceptions.ConnectorException)
    assert "Job was not found" in str(results[0])
    assert results[1:] == [None, None]
    # The batch failed as a whole, then each was recorded on its own.
    assert sent == [sorted([done, *others]), [done], [others[0]], [others[1]]]
    statuses = await db.fetch("SELECT id, status::text, attempts FROM procrastinate_jobs")
    assert {row["id"]: (row["status"], row["attempts"]) for row in statuses} == {
        job_id: ("succeeded", 1) for job_id in (done, *others)
    }
