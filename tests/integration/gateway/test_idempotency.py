"""Idempotency-Key: one object per key, byte-for-byte replays, mismatch, purge (DESIGN §4)."""

from __future__ import annotations

import asyncio

import asyncpg

from payserv import queue as job_queue
from payserv.context import POOL, QUEUE
from payserv.gateway.merchants import TEST_MERCHANT_ID
from payserv.gateway.tasks import PURGE_IDEMPOTENCY_KEYS
from tests.conftest import AppFactory
from tests.integration.gateway.conftest import (
    MERCHANT,
    create_order,
    successful_payment,
    wait_until,
)


async def test_50_concurrent_payments_with_one_key_create_one(
    start_app: AppFactory, db: asyncpg.Connection
) -> None:
    client = await start_app(run_worker=False)
    order = await create_order(client)
    body = {"order_id": order["id"], "method": "upi", "vpa": "user@paytm"}
    headers = {**MERCHANT, "Idempotency-Key": "pay-once-1"}
    responses = await asyncio.gather(
        *(client.post("/api/v1/payments", json=body, headers=headers) for _ in range(50))
    )
    assert {r.status for r in responses} == {201}
    bodies = {await r.read() for r in responses}
    assert len(bodies) == 1
    assert await db.fetchval("SELECT count(*) FROM gateway_payments") == 1
    jobs = "SELECT count(*) FROM procrastinate_jobs WHERE task_name = 'gateway.process_payment'"
    assert await db.fetchval(jobs) == 1


async def test_replay_later_is_identical_and_other_body_is_422(start_app: AppFactory) -> None:
    client = await start_app(run_worker=False)
    headers = {**MERCHANT, "Idempotency-Key": "order-1"}
    first = await client.post("/api/v1/orders", json={"amount": 500}, headers=headers)
    # Same JSON, other key order and spacing: the same request.
    same = await client.post(
        "/api/v1/orders",
        data=b'{ "amount" : 500 }',
        headers={**headers, "Content-Type": "application/json"},
    )
    assert (first.status, same.status) == (201, 201)
    assert await first.read() == await same.read()
    other = await client.post("/api/v1/orders", json={"amount": 501}, headers=headers)
    assert other.status == 422
    assert (await other.json())["error"]["code"] == "IDEMPOTENCY_KEY_MISMATCH"
    listed = await (await client.get("/api/v1/orders", headers=MERCHANT)).json()
    assert listed["total"] == 1


async def test_keys_are_per_merchant_and_validated(
    start_app: AppFactory, other_merchant: dict[str, str]
) -> None:
    client = await start_app(run_worker=False)
    for headers in (MERCHANT, other_merchant):
        response = await client.post(
            "/api/v1/orders", json={"amount": 500}, headers={**headers, "Idempotency-Key": "k"}
        )
        assert response.status == 201
    for key in ("", "k" * 256):
        response = await client.post(
            "/api/v1/orders", json={"amount": 500}, headers={**MERCHANT, "Idempotency-Key": key}
        )
        assert response.status == 400
        assert (await response.json())["error"]["field"] == "Idempotency-Key"


async def test_a_failed_request_does_not_burn_the_key(start_app: AppFactory) -> None:
    client = await start_app(run_worker=False)
    headers = {**MERCHANT, "Idempotency-Key": "retry-me"}
    body = {"order_id": "order_notyetthere00000", "method": "upi", "vpa": "a@b"}
    missing = await client.post("/api/v1/payments", json=body, headers=headers)
    assert missing.status == 404
    order = await create_order(client)
    body["order_id"] = order["id"]
    created = await client.post("/api/v1/payments", json=body, headers=headers)
    assert created.status == 201


async def test_refund_with_key_is_created_once(
    start_app: AppFactory, db: asyncpg.Connection
) -> None:
    client = await start_app()
    payment = await successful_payment(client, amount=10000)
    url = f"/api/v1/payments/{payment['id']}/refunds"
    headers = {**MERCHANT, "Idempotency-Key": "refund-1"}
    responses = await asyncio.gather(
        *(client.post(url, json={"amount": 3000}, headers=headers) for _ in range(10))
    )
    assert {r.status for r in responses} == {201}
    assert len({await r.read() for r in responses}) == 1
    assert await db.fetchval("SELECT count(*) FROM gateway_refunds") == 1


async def test_expired_keys_are_purged_and_reusable(
    start_app: AppFactory, db: asyncpg.Connection
) -> None:
    client = await start_app()
    headers = {**MERCHANT, "Idempotency-Key": "old"}
    await client.post("/api/v1/orders", json={"amount": 500}, headers=headers)
    await client.post(
        "/api/v1/orders", json={"amount": 500}, headers={**MERCHANT, "Idempotency-Key": "new"}
    )
    await db.execute(
        "UPDATE gateway_idempotency_keys SET expires_at = now() - interval '1 second'"
        " WHERE key = 'old'"
    )
    # An expired key is a new key: a different body is accepted, not a mismatch.
    reused = await client.post("/api/v1/orders", json={"amount": 900}, headers=headers)
    assert reused.status == 201
    await db.execute("UPDATE gateway_idempotency_keys SET expires_at = now() WHERE key = 'old'")
    async with client.app[POOL].acquire() as conn:
        await job_queue.defer(conn, client.app[QUEUE], PURGE_IDEMPOTENCY_KEYS, timestamp=0)

    async def purged() -> bool:
        keys = await db.fetch(
            "SELECT key FROM gateway_idempotency_keys WHERE merchant_id = $1", TEST_MERCHANT_ID
        )
        return [k["key"] for k in keys] == ["new"]

    assert await wait_until(purged)
