"""``POST /stripe/webhook``: stripe-python's signature check, event dedup, purchases paid."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from typing import Any

import asyncpg

from tests.conftest import AppFactory
from tests.integration.shop.conftest import Factory

SECRET = "whsec_test_shop_webhook"


def signed(event: dict[str, Any], *, secret: str = SECRET, age: int = 0) -> tuple[bytes, str]:
    """The body and a ``Stripe-Signature`` header made as Stripe makes them."""
    payload = json.dumps(event).encode()
    timestamp = int(time.time()) - age
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256)
    return payload, f"t={timestamp},v1={mac.hexdigest()}"


def completed(event_id: str, session_id: str, reference: str) -> dict[str, Any]:
    return {
        "id": event_id,
        "object": "event",
        "type": "checkout.session.completed",
        "data": {
            "object": {
                "id": session_id,
                "object": "checkout.session",
                "client_reference_id": reference,
                "payment_status": "paid",
            }
        },
    }


async def _purchase(db: asyncpg.Connection, reference: str, stripe_id: str, kind: str) -> None:
    await db.execute(
        "INSERT INTO shop_purchases (reference, kind, stripe_id, amount, currency)"
        " VALUES ($1, $2, $3, 100, 'USD')",
        reference,
        kind,
        stripe_id,
    )


async def _state(db: asyncpg.Connection, order_id: int) -> tuple[bool, list[str], int]:
    paid = await db.fetchval("SELECT paid FROM shop_orders WHERE id = $1", order_id)
    statuses = [r["status"] for r in await db.fetch("SELECT status FROM shop_purchases")]
    events = await db.fetchval("SELECT count(*) FROM shop_stripe_events")
    return paid, statuses, events


async def test_completed_session_marks_order_paid_once(
    start_app: AppFactory, db: asyncpg.Connection, make_item: Factory, make_order: Factory
) -> None:
    client = await start_app(run_worker=False, stripe_webhook_secret=SECRET)
    item = await make_item(client, "Mug", "12.50")
    order = await make_order(client, [(item["id"], 2)])
    await _purchase(db, f"order:{order['id']}", "cs_test_1", "checkout_session")
    payload, signature = signed(completed("evt_1", "cs_test_1", f"order:{order['id']}"))
    for expected in ("processed", "duplicate"):
        response = await client.post(
            "/stripe/webhook", data=payload, headers={"Stripe-Signature": signature}
        )
        assert response.status == 200
        assert (await response.json())["status"] == expected
    assert await _state(db, order["id"]) == (True, ["paid"], 1)
    paid_at = await db.fetchval("SELECT paid_at FROM shop_orders")
    # A different event for the same session changes nothing either.
    payload, signature = signed(completed("evt_2", "cs_test_1", f"order:{order['id']}"))
    response = await client.post(
        "/stripe/webhook", data=payload, headers={"Stripe-Signature": signature}
    )
    assert (await response.json())["status"] == "ignored"
    assert await db.fetchval("SELECT paid_at FROM shop_orders") == paid_at


async def test_concurrent_redeliveries_apply_once(
    start_app: AppFactory, db: asyncpg.Connection, make_item: Factory, make_order: Factory
) -> None:
    client = await start_app(run_worker=False, stripe_webhook_secret=SECRET)
    item = await make_item(client, "Mug", "12.50")
    order = await make_order(client, [(item["id"], 2)])
    await _purchase(db, f"order:{order['id']}", "cs_race", "checkout_session")
    payload, signature = signed(completed("evt_race", "cs_race", f"order:{order['id']}"))
    responses = await asyncio.gather(
        *(
            client.post("/stripe/webhook", data=payload, headers={"Stripe-Signature": signature})
            for _ in range(5)
        )
    )
    outcomes = sorted([(await r.json())["status"] for r in responses])
    assert outcomes == ["duplicate"] * 4 + ["processed"]
    assert await _state(db, order["id"]) == (True, ["paid"], 1)


async def test_payment_intent_succeeded_uses_metadata(
    start_app: AppFactory, db: asyncpg.Connection, make_item: Factory
) -> None:
    client = await start_app(run_worker=False, stripe_webhook_secret=SECRET)
    item = await make_item(client, "Mug", "12.50")
    await _purchase(db, f"item:{item['id']}", "pi_test_1", "payment_intent")
    event = {
        "id": "evt_pi",
        "object": "event",
        "type": "payment_intent.succeeded",
        "data": {"object": {"id": "pi_test_1", "metadata": {"reference": f"item:{item['id']}"}}},
    }
    payload, signature = signed(event)
    response = await client.post(
        "/stripe/webhook", data=payload, headers={"Stripe-Signature": signature}
    )
    assert (await response.json())["status"] == "processed"
    assert await db.fetchval("SELECT status FROM shop_purchases") == "paid"


async def test_bad_signatures_change_nothing(
    start_app: AppFactory, db: asyncpg.Connection, make_item: Factory, make_order: Factory
) -> None:
    client = await start_app(run_worker=False, stripe_webhook_secret=SECRET)
    item = await make_item(client, "Mug", "12.50")
    order = await make_order(client, [(item["id"], 1)])
    await _purchase(db, f"order:{order['id']}", "cs_test_2", "checkout_session")
    event = completed("evt_bad", "cs_test_2", f"order:{order['id']}")
    attempts = [
        signed(event, secret="whsec_wrong"),
        signed(event, age=301),
        (signed(event)[0], ""),
        (json.dumps({**event, "id": "evt_other"}).encode(), signed(event)[1]),
    ]
    for payload, signature in attempts:
        headers = {"Stripe-Signature": signature} if signature else {}
        response = await client.post("/stripe/webhook", data=payload, headers=headers)
        assert response.status == 400
        assert (await response.json())["error"]["code"] == "SIGNATURE_ERROR"
    assert await _state(db, order["id"]) == (False, ["open"], 0)


async def test_unknown_session_is_acknowledged(
    start_app: AppFactory, db: asyncpg.Connection, make_item: Factory, make_order: Factory
) -> None:
    client = await start_app(run_worker=False, stripe_webhook_secret=SECRET)
    item = await make_item(client, "Mug", "12.50")
    order = await make_order(client, [(item["id"], 1)])
    payload, signature = signed(completed("evt_x", "cs_unknown", f"order:{order['id']}"))
    response = await client.post(
        "/stripe/webhook", data=payload, headers={"Stripe-Signature": signature}
    )
    assert response.status == 200 and (await response.json())["status"] == "ignored"
    assert await db.fetchval("SELECT paid FROM shop_orders") is False


async def test_missing_webhook_secret_is_503(start_app: AppFactory) -> None:
    client = await start_app(run_worker=False)
    payload, signature = signed(completed("evt_y", "cs_y", "item:1"))
    response = await client.post(
        "/stripe/webhook", data=payload, headers={"Stripe-Signature": signature}
    )
    assert response.status == 503
    error = (await response.json())["error"]
    assert (
        error["code"] == "CONFIGURATION_ERROR" and "STRIPE_WEBHOOK_SECRET" in error["description"]
    )
