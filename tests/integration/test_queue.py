"""The job queue on our asyncpg connector: transactions, NOTIFY, stalled jobs."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import uuid
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

import asyncpg
import pytest

from payserv.context import POOL, QUEUE
from payserv.jobs import all_jobs
from payserv.queue import JobDeps, JobSpec, defer
from payserv.settings import Settings
from tests.conftest import AppFactory
from tests.helpers.jobs import RECORD, RUNS
from tests.helpers.worker_stack import running_worker

JOBS = [*all_jobs(), RECORD]


async def test_rolled_back_defer_never_runs_committed_one_runs_on_notify(
    start_app: AppFactory, db: asyncpg.Connection
) -> None:
    # Polling every 60 s: only NOTIFY can start the job within the wait below.
    client = await start_app(jobs=JOBS, worker_poll_interval=60.0)
    app = client.app
    rolled_back, committed = f"rb-{uuid.uuid4()}", f"ok-{uuid.uuid4()}"

    class Rollback(Exception):
        pass

    async with app[POOL].acquire() as conn:
        with pytest.raises(Rollback):
            async with conn.transaction():
                await defer(conn, app[QUEUE], "tests.record", marker=rolled_back)
                raise Rollback
        async with conn.transaction():
            job_id = await defer(conn, app[QUEUE], "tests.record", marker=committed)

    assert await asyncio.wait_for(RUNS[committed].get(), timeout=10) == job_id
    assert RUNS[rolled_back].empty()
    rows = await db.fetch("SELECT args FROM procrastinate_jobs WHERE task_name = 'tests.record'")
    assert [row["args"]["marker"] for row in rows] == [committed]
    # The job records its run just before the worker marks it succeeded.
    await _wait_until(
        db, "SELECT status::text = 'succeeded' FROM procrastinate_jobs WHERE id=$1", job_id
    )


async def test_stalled_job_of_killed_worker_is_retried(
    start_app: AppFactory, db: asyncpg.Connection, settings: object, dsn: str, repo_root: Path
) -> None:
    marker = f"stalled-{uuid.uuid4()}"
    worker = _start_worker_process(repo_root, dsn)
    try:
        async with db.transaction():
            job_id = await _defer_with(db, marker)
        await _wait_until(
            db, "SELECT status::text = 'doing' FROM procrastinate_jobs WHERE id=$1", job_id
        )
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert await db.fetchval("SELECT status::text FROM procrastinate_jobs WHERE id=$1", job_id) == (
        "doing"
    )
    # A fresh in-process worker with a short stalled timeout picks the job up again.
    await start_app(jobs=JOBS, stalled_job_seconds=2.0, worker_heartbeat_interval=0.5)
    assert await asyncio.wait_for(RUNS[marker].get(), timeout=30) == job_id
    await _wait_until(
        db, "SELECT status::text = 'succeeded' FROM procrastinate_jobs WHERE id=$1", job_id
    )
    # attempts counts runs: the killed one and the retry.
    attempts = await db.fetchval("SELECT attempts FROM procrastinate_jobs WHERE id=$1", job_id)
    assert attempts == 2


def _start_worker_process(repo_root: Path, dsn: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": dsn,
        "SECRET_KEY": "x",
        "LOG_FORMAT": "json",
        "WORKER_POLL_INTERVAL": "0.1",
        "SHUTDOWN_TIMEOUT": "20",
    }
    return subprocess.Popen(
        [sys.executable, str(repo_root / "tests/helpers/worker_process.py")], env=env, cwd=repo_root
    )


async def test_sigterm_lets_the_running_job_finish_and_exits_0(
    db: asyncpg.Connection, dsn: str, repo_root: Path
) -> None:
    worker = _start_worker_process(repo_root, dsn)
    try:
        async with db.transaction():
            job_id = await _defer_with(db, f"term-{uuid.uuid4()}", sleep=2.0)
        await _wait_until(
            db, "SELECT status::text = 'doing' FROM procrastinate_jobs WHERE id=$1", job_id
        )
        worker.send_signal(signal.SIGTERM)
        assert await asyncio.to_thread(worker.wait, 30) == 0
    finally:
        if worker.poll() is None:
            worker.kill()
    status = await db.fetchval("SELECT status::text FROM procrastinate_jobs WHERE id=$1", job_id)
    assert status == "succeeded"
    # A clean stop unregisters the worker: /health would report it stopped at once.
    assert await db.fetchval("SELECT count(*) FROM procrastinate_workers") == 0


RELEASED: defaultdict[str, asyncio.Event] = defaultdict(asyncio.Event)


async def stubborn(deps: JobDeps, marker: str) -> None:
    """A job that ignores cancellation until the test releases it."""
    RUNS[marker].put_nowait(deps.job_id or 0)
    while True:
        try:
            await RELEASED[marker].wait()
            return
        except asyncio.CancelledError:
            continue


STUBBORN = JobSpec(name="tests.stubborn", function=stubborn)


async def test_worker_stop_is_bounded_when_a_job_ignores_cancellation(
    settings: Settings, dsn: str, db: asyncpg.Connection
) -> None:
    quick = replace(settings, shutdown_timeout=0.2)
    marker = f"stubborn-{uuid.uuid4()}"
    async with running_worker(quick, dsn, [STUBBORN], stop_margin=0.5) as (queue, runner):
        try:
            async with db.transaction():
                await defer(db, queue, "tests.stubborn", marker=marker)
            await asyncio.wait_for(RUNS[marker].get(), timeout=10)
            # Unbounded, this waited for the job forever: the process could never exit.
            stopping = asyncio.create_task(runner.stop())
            done, _ = await asyncio.wait({stopping}, timeout=30)
            assert done, "stop() is still waiting for the job"
        finally:
            RELEASED[marker].set()


async def _defer_with(conn: asyncpg.Connection, marker: str, sleep: float = 60.0) -> int:
    """Defer ``tests.record`` (sleeping on its first run) through a queue app on ``conn``."""
    from payserv.queue import build_queue_app
    from tests.conftest import base_settings

    queue = build_queue_app("unused", base_settings(), JOBS)
    return await defer(conn, queue, "tests.record", marker=marker, sleep=sleep)


async def _wait_until(
    conn: asyncpg.Connection, sql: str, *args: object, timeout: float = 30
) -> None:
    async with asyncio.timeout(timeout):
        while not await conn.fetchval(sql, *args):
            await asyncio.sleep(0.05)
