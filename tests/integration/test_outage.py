"""payserv under a Postgres restart: 503 while down, recovery and NOTIFY after."""

from __future__ import annotations

import asyncio
import gc
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from payserv.app import create_app
from payserv.bootstrap import prepare_database
from payserv.context import POOL, QUEUE
from payserv.database import CONNECTION_ERRORS, connect
from payserv.jobs import all_jobs
from payserv.queue import JobDeps, JobSpec, defer
from payserv.users import create_user
from tests.conftest import AppFactory, UserFactory, base_settings
from tests.helpers.db import start_server, stop_server
from tests.helpers.jobs import RECORD, RUNS


@pytest.fixture
async def loop_errors() -> AsyncIterator[list[dict[str, Any]]]:
    """What reaches the event loop's exception handler ("Task exception was never
    retrieved" and the like): an error nobody awaited is an error nobody handled.

    Requested first, so it is checked after the app has stopped.
    """
    loop = asyncio.get_running_loop()
    errors: list[dict[str, Any]] = []

    def record(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        if not _asyncpg_expired_close(context):
            errors.append(context)
        loop.default_exception_handler(context)

    previous = loop.get_exception_handler()
    loop.set_exception_handler(record)
    yield errors
    gc.collect()  # a task's unretrieved exception is reported when the task is freed
    await asyncio.sleep(0)
    loop.set_exception_handler(previous)
    assert [f"{c.get('message')}: {c.get('exception')!r}" for c in errors] == []


def _asyncpg_expired_close(context: dict[str, Any]) -> bool:
    """asyncpg's own fire-and-forget close of a connection the pool had expired (its
    PoolConnectionHolder.acquire after expire_connections, which the connector calls after
    a restart): that socket is already dead, nothing of payserv's was lost."""
    task = context.get("future")
    coro = task.get_coro() if isinstance(task, asyncio.Task) else None
    return getattr(coro, "__qualname__", "") == "Connection.close" and isinstance(
        context.get("exception"), OSError
    )


async def test_restart_gives_503_then_recovers_and_notify_resumes(
    loop_errors: list[dict[str, Any]],
    own_server: Any,
    aiohttp_client: Any,
) -> None:
    dsn = own_server.get_uri()
    conn = await connect(dsn)
    await prepare_database(conn, base_settings())
    await create_user(conn, "alice", "pw-alice")
    await conn.close()
    # Polling every 60 s: a job that runs soon after its defer was woken by NOTIFY.
    settings = replace(base_settings(), database_url=dsn, worker_poll_interval=60.0)
    client: TestClient[web.Request, web.Application] = await aiohttp_client(
        create_app(settings, dsn, jobs=[*all_jobs(), RECORD])
    )
    await _defer_and_await_run(client)

    stop_server(own_server)
    health = await client.get("/health")
    assert health.status == 503
    assert (await health.json())["status"] == "unhealthy"
    token = await client.post("/users/token/", json={"username": "alice", "password": "pw-alice"})
    assert token.status == 503
    assert (await token.json())["error"]["code"] == "SERVICE_UNAVAILABLE"
    assert "X-Request-Id" in token.headers

    start_server(own_server)
    statuses = []
    async with asyncio.timeout(30):
        while (status := (await client.get("/health")).status) != 200:
            statuses.append(status)
            await asyncio.sleep(0.2)
    # Stale pooled connections after the restart are an outage (503), never a bug (500).
    assert set(statuses) <= {503}
    token = await client.post("/users/token/", json={"username": "alice", "password": "pw-alice"})
    assert token.status == 200
    await _defer_and_await_run(client)


async def _defer_and_await_run(client: TestClient[web.Request, web.Application]) -> None:
    app = client.app
    marker = f"outage-{uuid.uuid4()}"
    async with asyncio.timeout(30):
        while True:
            try:
                async with app[POOL].acquire() as conn, conn.transaction():
                    await defer(conn, app[QUEUE], "tests.record", marker=marker)
                break
            except CONNECTION_ERRORS:
                # Pooled connections cut by the restart are replaced on the next try.
                await asyncio.sleep(0.1)
    job_id = await asyncio.wait_for(RUNS[marker].get(), timeout=15)
    async with asyncio.timeout(10):
        while True:
            async with app[POOL].acquire() as conn:
                status = await conn.fetchval(
                    "SELECT status::text FROM procrastinate_jobs WHERE id = $1", job_id
                )
            if status == "succeeded":
                break
            await asyncio.sleep(0.05)


# The server the outage job stops; set by the test that registers the job.
_OUTAGE_SERVER: list[Any] = []


async def _stop_database_then_return(deps: JobDeps, marker: str) -> None:
    """Stop Postgres, bring it back 2 s later, and return at once: the job's end is
    recorded while the database is down."""
    server = _OUTAGE_SERVER[0]
    await asyncio.to_thread(stop_server, server)
    loop = asyncio.get_running_loop()
    loop.call_later(2.0, lambda: loop.run_in_executor(None, start_server, server))
    RUNS[marker].put_nowait(deps.job_id or 0)


OUTAGE_JOB = JobSpec(name="tests.stop_database", function=_stop_database_then_return)


async def test_job_that_ends_during_an_outage_is_recorded_after_it(
    loop_errors: list[dict[str, Any]], own_server: Any, aiohttp_client: Any
) -> None:
    dsn = own_server.get_uri()
    conn = await connect(dsn)
    await prepare_database(conn, base_settings())
    await conn.close()
    _OUTAGE_SERVER[:] = [own_server]
    settings = replace(base_settings(), database_url=dsn)
    client: TestClient[web.Request, web.Application] = await aiohttp_client(
        create_app(settings, dsn, jobs=[*all_jobs(), OUTAGE_JOB])
    )
    marker = f"ends-in-outage-{uuid.uuid4()}"
    async with client.app[POOL].acquire() as conn, conn.transaction():
        job_id = await defer(conn, client.app[QUEUE], "tests.stop_database", marker=marker)
    await asyncio.wait_for(RUNS[marker].get(), timeout=15)
    # The worker process lives on, so the stalled-jobs task would never retry this job:
    # only recording its end after the outage keeps it from staying "doing" forever.
    async with asyncio.timeout(30):
        while True:
            try:
                async with client.app[POOL].acquire() as conn:
                    status = await conn.fetchval(
                        "SELECT status::text FROM procrastinate_jobs WHERE id = $1", job_id
                    )
                if status == "succeeded":
                    break
            except CONNECTION_ERRORS:
                pass
            await asyncio.sleep(0.1)


# The job's INSERT loses its connection, exactly at that moment: either the backend is
# terminated (as pg_terminate_backend or a failover does; the rollback then fails too), or
# the server reports the loss while the session can still roll back (as through a proxy),
# so that the queue's own ConnectorException is what reaches the middleware.
_CUTS = {
    "terminated": "PERFORM pg_terminate_backend(pg_backend_pid()); PERFORM pg_sleep(10);",
    "reported": "RAISE EXCEPTION 'terminating connection' USING ERRCODE = 'admin_shutdown';",
}
_CUT_THE_DEFER = """
CREATE FUNCTION tests_cut_defer() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN {cut} RETURN NEW; END $$;
CREATE TRIGGER tests_cut_defer BEFORE INSERT ON procrastinate_jobs
    FOR EACH ROW WHEN (NEW.task_name = 'polling.check_payment_status')
    EXECUTE FUNCTION tests_cut_defer();
"""


@pytest.mark.parametrize("cut", sorted(_CUTS))
async def test_connection_lost_during_defer_is_503(
    loop_errors: list[dict[str, Any]],
    start_app: AppFactory,
    make_user: UserFactory,
    db: asyncpg.Connection,
    cut: str,
) -> None:
    client = await start_app(run_worker=False)
    _, headers = await make_user()
    await db.execute(_CUT_THE_DEFER.format(cut=_CUTS[cut]))
    response = await client.post("/api/payments/", json={"amount": "5.00"}, headers=headers)
    assert response.status == 503, await response.text()
    assert (await response.json())["error"]["code"] == "SERVICE_UNAVAILABLE"
    # The payment rolled back with its job.
    assert await db.fetchval("SELECT count(*) FROM user_payments") == 0
    await db.execute("DROP TRIGGER tests_cut_defer ON procrastinate_jobs")
    again = await client.post("/api/payments/", json={"amount": "5.00"}, headers=headers)
    assert again.status == 201, await again.text()
