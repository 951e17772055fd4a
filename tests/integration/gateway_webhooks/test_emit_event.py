"""emit_event inside the caller's transaction: commit delivers, rollback leaves nothing."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import asyncpg
import pytest

from payserv.context import POOL
from payserv.gateway.events import emit_event
from payserv.gateway.merchants import TEST_MERCHANT_ID, TEST_WEBHOOK_SECRET
from tests.conftest import AppFactory
from tests.integration.gateway_webhooks.conftest import Receiver, set_webhook_url, wait_for

PAYMENT = {"payment": {"id": "pay_abc", "amount": 50000, "currency": "INR", "status": "success"}}


async def _job_count(db: asyncpg.Connection) -> int:
    return await db.fetchval(
        "SELECT count(*) FROM procrastinate_jobs WHERE task_name = 'gateway.deliver_webhook'"
    )


async def test_committed_event_is_delivered_with_both_signatures(
    start_app: AppFactory, db: asyncpg.Connection, receiver: Receiver
) -> None:
    await set_webhook_url(db, receiver.url)
    client = await start_app()
    async with client.app[POOL].acquire() as conn, conn.transaction():
        await emit_event(conn, TEST_MERCHANT_ID, "payment.success", PAYMENT)

    (call,) = await receiver.wait_calls(1)
    body = json.loads(call.body)
    assert body["event"] == "payment.success"
    assert isinstance(body["timestamp"], int)
    assert body["data"] == PAYMENT
    assert call.headers["Content-Type"] == "application/json"
    # The seed's scheme: hex HMAC-SHA256 of the raw body with the webhook secret.
    expected_hex = hmac.new(TEST_WEBHOOK_SECRET.encode(), call.body, hashlib.sha256).hexdigest()
    assert call.headers["X-Webhook-Signature"] == expected_hex
    # Standard Webhooks: the secret does not base64-decode, so its UTF-8 bytes are the key.
    msg_id, ts = call.headers["webhook-id"], call.headers["webhook-timestamp"]
    signed = f"{msg_id}.{ts}.".encode() + call.body
    digest = hmac.new(TEST_WEBHOOK_SECRET.encode(), signed, hashlib.sha256).digest()
    assert call.headers["webhook-signature"] == "v1," + base64.b64encode(digest).decode()

    row = await wait_for(
        lambda: db.fetchrow(
            "SELECT id, status, attempts, response_code FROM webhook_deliveries"
            " WHERE status = 'success'"
        )
    )
    assert str(row["id"]) == msg_id
    assert (row["attempts"], row["response_code"]) == (1, 200)


async def test_rolled_back_event_leaves_no_row_no_job(
    start_app: AppFactory, db: asyncpg.Connection, receiver: Receiver
) -> None:
    await set_webhook_url(db, receiver.url)
    client = await start_app()
    with pytest.raises(RuntimeError):
        async with client.app[POOL].acquire() as conn, conn.transaction():
            await emit_event(conn, TEST_MERCHANT_ID, "payment.created", PAYMENT)
            raise RuntimeError("the state change failed after the event")

    assert await db.fetchval("SELECT count(*) FROM webhook_deliveries") == 0
    assert await _job_count(db) == 0
    # A committed marker event afterwards is the only thing the receiver ever sees.
    async with client.app[POOL].acquire() as conn, conn.transaction():
        await emit_event(conn, TEST_MERCHANT_ID, "payment.failed", PAYMENT)
    (call,) = await receiver.wait_calls(1)
    assert json.loads(call.body)["event"] == "payment.failed"


async def test_no_webhook_url_means_no_delivery(
    start_app: AppFactory, db: asyncpg.Connection
) -> None:
    await set_webhook_url(db, None)
    client = await start_app()
    async with client.app[POOL].acquire() as conn, conn.transaction():
        await emit_event(conn, TEST_MERCHANT_ID, "payment.created", PAYMENT)
    assert await db.fetchval("SELECT count(*) FROM webhook_deliveries") == 0
    assert await _job_count(db) == 0


async def test_unknown_event_is_refused(start_app: AppFactory) -> None:
    client = await start_app(run_worker=False)
    async with client.app[POOL].acquire() as conn:
        with pytest.raises(ValueError, match="unknown gateway event"):
            await emit_event(conn, TEST_MERCHANT_ID, "payment.nope", {})
