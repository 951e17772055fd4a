"""Every gateway event reaches the merchant's receiver, signed both ways (DESIGN §4)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import asyncpg

from payserv.gateway.merchants import TEST_MERCHANT_ID, TEST_WEBHOOK_SECRET
from tests.conftest import AppFactory
from tests.helpers.webhook_receiver import Received, Receiver
from tests.integration.gateway.conftest import (
    MERCHANT,
    Client,
    create_order,
    create_payment,
    settled_payment,
    wait_until,
)


async def set_webhook_url(client: Client, url: str) -> None:
    response = await client.patch("/api/v1/merchant", json={"webhook_url": url}, headers=MERCHANT)
    assert response.status == 200


def verify_both_signatures(call: Received, secret: str) -> None:
    """What a receiver does, on the raw bytes it got."""
    expected_hex = hmac.new(secret.encode(), call.body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(call.headers["X-Webhook-Signature"], expected_hex)
    signed = f"{call.headers['webhook-id']}.{call.headers['webhook-timestamp']}.".encode()
    digest = hmac.new(secret.encode(), signed + call.body, hashlib.sha256).digest()
    assert call.headers["webhook-signature"] == "v1," + base64.b64encode(digest).decode()


async def test_payment_and_refund_events_arrive_signed(
    start_app: AppFactory, receiver: Receiver
) -> None:
    client = await start_app(test_payment_success=True)
    response = await client.patch(
        "/api/v1/merchant", json={"webhook_url": receiver.url}, headers=MERCHANT
    )
    assert (await response.json())["webhook_url"] == receiver.url
    order = await create_order(client)
    payment = await settled_payment(client, (await create_payment(client, order["id"]))["id"])
    refund = await client.post(
        f"/api/v1/payments/{payment['id']}/refunds", json={"amount": 100}, headers=MERCHANT
    )
    assert refund.status == 201
    calls = await receiver.wait_calls(5)
    events = {}
    for call in calls:
        verify_both_signatures(call, TEST_WEBHOOK_SECRET)
        body = json.loads(call.body)
        events[body["event"]] = body
    assert set(events) == {
        "payment.created",
        "payment.pending",
        "payment.success",
        "refund.created",
        "refund.processed",
    }
    assert events["payment.success"]["data"]["payment"]["status"] == "success"
    assert events["payment.success"]["data"]["payment"]["id"] == payment["id"]
    assert events["refund.processed"]["data"]["refund"]["status"] == "processed"
    assert isinstance(events["payment.created"]["timestamp"], int)

    async def all_logged_success() -> bool:
        log = await (await client.get("/api/v1/webhooks", headers=MERCHANT)).json()
        return log["total"] == 5 and {e["status"] for e in log["data"]} == {"success"}

    assert await wait_until(all_logged_success)


# Queued jobs that are not periodic (a periodic job's defer is in procrastinate_periodic_defers).
QUEUED_JOBS = """SELECT task_name FROM procrastinate_jobs j
                 WHERE NOT EXISTS (SELECT 1 FROM procrastinate_periodic_defers p
                                   WHERE p.job_id = j.id)"""


async def test_a_paid_payment_queues_one_job_and_its_committers_deliver_every_event(
    start_app: AppFactory, db: asyncpg.Connection, receiver: Receiver
) -> None:
    # No sweep after start-up: only the processes that committed the events send them (the
    # web request its created/pending, the settle job its success), right after the commit.
    client = await start_app(webhook_sweep_interval=60)
    await set_webhook_url(client, receiver.url)
    order = await create_order(client)
    payment = await create_payment(client, order["id"], vpa="success@razorpay")
    calls = await receiver.wait_calls(3)
    for call in calls:
        verify_both_signatures(call, TEST_WEBHOOK_SECRET)
    events = sorted(json.loads(call.body)["event"] for call in calls)
    assert events == ["payment.created", "payment.pending", "payment.success"]
    assert (await settled_payment(client, payment["id"]))["status"] == "success"
    # The settle job is the payment's one queued job: webhooks queue none.
    assert [row["task_name"] for row in await db.fetch(QUEUED_JOBS)] == ["gateway.process_payment"]

    async def all_logged_success() -> bool:
        return await db.fetchval(
            "SELECT count(*) = 3 AND bool_and(status = 'success' AND attempts = 1"
            " AND leased_until IS NULL) FROM webhook_deliveries"
        )

    assert await wait_until(all_logged_success)


async def test_failed_payment_event(start_app: AppFactory, receiver: Receiver) -> None:
    client = await start_app(test_payment_success=False)
    await set_webhook_url(client, receiver.url)
    order = await create_order(client)
    await settled_payment(client, (await create_payment(client, order["id"]))["id"])
    calls = await receiver.wait_calls(3)
    failed = [json.loads(c.body) for c in calls if json.loads(c.body)["event"] == "payment.failed"]
    assert failed[0]["data"]["payment"]["error_code"] == "PAYMENT_FAILED"


async def test_no_webhook_url_no_delivery(
    start_app: AppFactory, db: asyncpg.Connection, receiver: Receiver
) -> None:
    await db.execute("UPDATE merchants SET webhook_url = NULL WHERE id = $1", TEST_MERCHANT_ID)
    client = await start_app(test_payment_success=True)
    order = await create_order(client)
    await settled_payment(client, (await create_payment(client, order["id"]))["id"])
    assert await db.fetchval("SELECT count(*) FROM webhook_deliveries") == 0
    deliveries = (
        "SELECT count(*) FROM procrastinate_jobs WHERE task_name = 'gateway.deliver_webhook'"
    )
    assert await db.fetchval(deliveries) == 0
    assert receiver.calls == []
