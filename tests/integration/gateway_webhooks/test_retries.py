"""Failed attempts are retried on the test schedule; five failures end in ``failed``."""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Awaitable, Callable

import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from payserv.context import OUTBOX, POOL
from payserv.gateway.events import emit_event
from payserv.gateway.merchants import TEST_MERCHANT_ID
from tests.conftest import AppFactory
from tests.integration.gateway_webhooks.conftest import (
    MERCHANT_HEADERS,
    Receiver,
    set_webhook_url,
    wait_for,
)

SCALE = 0.1
TOLERANCE = 0.15  # the sweeper runs every 0.1 s; arrival jitter is not a schedule error
DATA = {"refund": {"id": "rfnd_abc", "amount": 100, "status": "processed"}}


async def _emit(client: object, event: str = "refund.processed") -> None:
    app = client.app  # type: ignore[attr-defined]
    async with app[POOL].acquire() as conn, conn.transaction():
        await emit_event(conn, TEST_MERCHANT_ID, event, DATA)


async def _final_row(db: asyncpg.Connection, status: str) -> asyncpg.Record:
    return await wait_for(
        lambda: db.fetchrow(
            "SELECT id, status, attempts, response_code, next_retry_at, last_attempt_at"
            " FROM webhook_deliveries WHERE status = $1",
            status,
        )
    )


async def test_attempts_follow_the_test_schedule_then_succeed(
    start_app: AppFactory,
    db: asyncpg.Connection,
    receiver: Receiver,
    caplog: pytest.LogCaptureFixture,
) -> None:
    receiver.fail_first = 3
    await set_webhook_url(db, receiver.url)
    client = await start_app(webhook_retry_intervals_test=True, webhook_time_scale=SCALE)
    with caplog.at_level(logging.INFO):
        await _emit(client)
        calls = await receiver.wait_calls(4)
    gaps = [b.at - a.at for a, b in itertools.pairwise(calls)]
    for gap, scheduled in zip(gaps, (5 * SCALE, 10 * SCALE, 15 * SCALE), strict=True):
        assert gap >= scheduled - TOLERANCE, gaps
    # Every attempt sends the same bytes under the same webhook-id.
    assert len({c.body for c in calls}) == 1
    assert len({c.headers["webhook-id"] for c in calls}) == 1

    row = await _final_row(db, "success")
    assert (row["attempts"], row["response_code"]) == (4, 200)
    assert row["next_retry_at"] is None
    # Exactly the schedule: each failed attempt set the next one due after its delay.
    next_in = [
        r.msg["next_in"]
        for r in caplog.records
        if isinstance(r.msg, dict) and r.msg.get("event") == "webhook_delivery_failed"
    ]
    assert next_in == [5 * SCALE, 10 * SCALE, 15 * SCALE]
    # No job per attempt: the outbox row carried every retry.
    deliveries = (
        "SELECT count(*) FROM procrastinate_jobs WHERE task_name = 'gateway.deliver_webhook'"
    )
    assert await db.fetchval(deliveries) == 0


async def test_five_failures_end_failed_and_manual_retry_delivers(
    start_app: AppFactory, db: asyncpg.Connection, receiver: Receiver
) -> None:
    receiver.fail_first = 5
    await set_webhook_url(db, receiver.url)
    client = await start_app(webhook_retry_intervals_test=True, webhook_time_scale=0.02)
    await _emit(client)

    row = await _final_row(db, "failed")
    assert (row["attempts"], row["response_code"]) == (5, 500)
    assert len(receiver.calls) == 5

    listed = await (await client.get("/api/v1/webhooks", headers=MERCHANT_HEADERS)).json()
    assert listed["data"][0]["status"] == "failed"
    assert listed["data"][0]["attempts"] == 5

    resp = await client.post(f"/api/v1/webhooks/{row['id']}/retry", headers=MERCHANT_HEADERS)
    assert resp.status == 200
    assert await resp.json() == {
        "id": str(row["id"]),
        "status": "pending",
        "message": "Webhook retry scheduled",
    }
    await receiver.wait_calls(6)
    row = await _final_row(db, "success")
    assert (row["attempts"], row["response_code"]) == (1, 200)


async def test_unreachable_receiver_is_a_failed_attempt(
    start_app: AppFactory, db: asyncpg.Connection
) -> None:
    await set_webhook_url(db, "http://127.0.0.1:9/nothing-listens-here")
    client = await start_app(webhook_retry_intervals_test=True, webhook_time_scale=0.01)
    await _emit(client)
    row = await _final_row(db, "failed")
    assert row["attempts"] == 5
    assert row["response_code"] is None


async def test_manual_retry_during_an_attempt_goes_after_it(
    start_app: AppFactory,
    db: asyncpg.Connection,
    aiohttp_server: Callable[..., Awaitable[TestServer]],
) -> None:
    # The first attempt hangs in the receiver; a manual retry meanwhile must neither start
    # a second attempt beside it nor be lost: it goes once the first (now stale) one ends.
    release, calls, running = asyncio.Event(), [], [0, 0]  # running: now, most

    async def handle(request: web.Request) -> web.Response:
        calls.append(await request.read())
        running[0] += 1
        running[1] = max(running)
        try:
            if len(calls) == 1:
                await release.wait()
                return web.Response(status=500)
            return web.Response(status=200)
        finally:
            running[0] -= 1

    server_app = web.Application()
    server_app.router.add_post("/hook", handle)
    await set_webhook_url(db, str((await aiohttp_server(server_app)).make_url("/hook")))
    client = await start_app(webhook_retry_intervals_test=True)
    await _emit(client)
    await wait_for(lambda: asyncio.sleep(0, bool(calls)))
    delivery_id = await db.fetchval("SELECT id FROM webhook_deliveries")
    resp = await client.post(f"/api/v1/webhooks/{delivery_id}/retry", headers=MERCHANT_HEADERS)
    assert resp.status == 200
    # Due now, but leased by the attempt in flight: no sweep claims it.
    assert await client.app[OUTBOX].sweep() == 0
    release.set()
    row = await _final_row(db, "success")
    assert (row["attempts"], row["response_code"]) == (1, 200)
    assert (len(calls), running[1]) == (2, 1)


async def test_concurrent_manual_retries_record_one_attempt(
    start_app: AppFactory, db: asyncpg.Connection, receiver: Receiver
) -> None:
    await set_webhook_url(db, "http://127.0.0.1:9/nothing-listens-here")
    client = await start_app(webhook_retry_intervals_test=True, webhook_time_scale=0.01)
    await _emit(client)
    row = await _final_row(db, "failed")
    # The merchant fixes its endpoint: each attempt goes to the current URL.
    await set_webhook_url(db, receiver.url)

    path = f"/api/v1/webhooks/{row['id']}/retry"
    responses = await asyncio.gather(
        *(client.post(path, headers=MERCHANT_HEADERS) for _ in range(5))
    )
    assert [r.status for r in responses] == [200] * 5
    await receiver.wait_calls(1)
    row = await _final_row(db, "success")
    assert row["attempts"] == 1
    assert await db.fetchval("SELECT generation FROM webhook_deliveries") == 5
