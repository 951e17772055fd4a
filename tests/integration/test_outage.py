"""payserv under a Postgres restart: 503 while down, recovery and NOTIFY after."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import replace
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient

from payserv.app import create_app
from payserv.bootstrap import prepare_database
from payserv.context import POOL, QUEUE
from payserv.database import CONNECTION_ERRORS, connect
from payserv.jobs import all_jobs
from payserv.queue import defer
from payserv.users import create_user
from tests.conftest import base_settings
from tests.helpers.db import start_server, stop_server
from tests.helpers.jobs import RECORD, RUNS


async def test_restart_gives_503_then_recovers_and_notify_resumes(
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
