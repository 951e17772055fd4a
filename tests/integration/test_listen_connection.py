"""The worker's LISTEN connection: a silent one is replaced, and its backoff starts over.

The listener's timings are shortened (``ListenTimings``) so that these run in seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import asyncpg
import procrastinate
import pytest

from payserv.connector import AsyncpgConnector
from payserv.listener import APPLICATION_NAME, ListenTimings
from payserv.queue import defer
from payserv.settings import Settings
from tests.helpers.jobs import RECORD, RUNS
from tests.helpers.worker_stack import running_worker

FAST = ListenTimings(keepalive=0.2, timeout=1.0, first_retry=0.05, max_retry=5.0, healthy=2.0)
CHANNELS = ["procrastinate_any_queue_v1"]


@pytest.fixture
async def worker(settings: Settings, dsn: str) -> AsyncIterator[procrastinate.App]:
    """A real worker (its supervisor too) polling only every 60 s, with a fast listener."""
    slow_poll = replace(settings, worker_poll_interval=60.0)
    async with running_worker(slow_poll, dsn, [RECORD], listen=FAST) as (queue, _runner):
        yield queue


async def test_silent_listen_connection_is_replaced_and_notify_resumes(
    worker: procrastinate.App, db: asyncpg.Connection
) -> None:
    first = await _listen_backend(db)
    await _defer_and_await_run(worker, db)
    if "postgres" not in _cmdline(first):
        pytest.skip("the database server's processes are not on this machine")
    # A stopped backend keeps its TCP connection open but never answers: a half-open
    # connection, or a hung server, as the listener sees it.
    os.kill(first, signal.SIGSTOP)
    try:
        await _listen_backend(db, other_than=first)
        # Polling is every 60 s: a job that runs within the wait was woken by NOTIFY.
        await _defer_and_await_run(worker, db)
    finally:
        os.kill(first, signal.SIGCONT)


async def test_listen_backoff_starts_over_after_a_healthy_period(
    dsn: str, db: asyncpg.Connection, caplog: pytest.LogCaptureFixture
) -> None:
    connector = AsyncpgConnector(dsn=dsn, listen=FAST)

    async def ignore(*, channel: str, payload: str) -> None:
        pass

    with caplog.at_level(logging.WARNING):
        listening = asyncio.create_task(connector.listen_notify(ignore, CHANNELS))
        try:
            pid = None
            for _ in range(3):  # lost as soon as it is up: the waits grow
                pid = await _listen_backend(db, other_than=pid)
                await db.execute("SELECT pg_terminate_backend($1)", pid)
            pid = await _listen_backend(db, other_than=pid)
            # Up for the healthy period (the one thing here that only time can show).
            await asyncio.sleep(FAST.healthy + 0.5)
            await db.execute("SELECT pg_terminate_backend($1)", pid)
            await _listen_backend(db, other_than=pid)
        finally:
            listening.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await listening
    waits = [
        record.msg["retry_in"]
        for record in caplog.records
        if isinstance(record.msg, dict) and record.msg.get("event") == "listen_connection_lost"
    ]
    assert waits == [0.05, 0.1, 0.2, 0.05]


async def _listen_backend(
    db: asyncpg.Connection, *, other_than: int | None = None, timeout: float = 30
) -> int:
    """The pid of the backend serving a LISTEN connection that has sent its keep-alive.

    A keep-alive comes after LISTEN and after the wake-up the listener sends itself on
    reconnecting, so a job deferred from now on can only be woken by a real NOTIFY.
    """
    async with asyncio.timeout(timeout):
        while True:
            pid = await db.fetchval(
                "SELECT pid FROM pg_stat_activity WHERE application_name = $1"
                " AND datname = current_database() AND query = 'SELECT 1' AND pid <> $2",
                APPLICATION_NAME,
                other_than or 0,
            )
            if pid is not None:
                return int(pid)
            await asyncio.sleep(0.05)


async def _defer_and_await_run(queue: procrastinate.App, db: asyncpg.Connection) -> None:
    marker = f"listen-{uuid.uuid4()}"
    async with db.transaction():
        job_id = await defer(db, queue, "tests.record", marker=marker)
    assert await asyncio.wait_for(RUNS[marker].get(), timeout=10) == job_id


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return ""
