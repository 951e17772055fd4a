"""The hosted checkout's public endpoints (DESIGN §4a): no credentials; the order id is the key."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import pytest

from tests.conftest import AppFactory
from tests.integration.gateway.conftest import (
    MERCHANT,
    Client,
    card,
    create_order,
    successful_payment,
    wait_until,
)

PUBLIC_PAYMENT_FIELDS = {
    "id",
    "order_id",
    "amount",
    "currency",
    "method",
    "status",
    "error_code",
    "error_description",
    "created_at",
}


async def pay(client: Client, order: str, key: str | None = None, **fields: Any) -> Any:
    """``POST /api/v1/payments/public`` without credentials (UPI unless ``fields`` say else)."""
    body = {"order_id": order, "method": "upi", "vpa": "user@paytm", **fields}
    headers = {"Idempotency-Key": key} if key else None
    return await client.post("/api/v1/payments/public", json=body, headers=headers)


async def public_settled(client: Client, payment_id: str) -> dict[str, Any]:
    async def check() -> dict[str, Any] | None:
        body: dict[str, Any] = await (
            await client.get(f"/api/v1/payments/{payment_id}/public")
        ).json()
        return body if body["status"] != "pending" else None

    result: dict[str, Any] = await wait_until(check)
    return result


async def test_public_order_shows_amount_and_merchant_name(start_app: AppFactory) -> None:
    client = await start_app(run_worker=False)
    order = await create_order(client, amount=50000, receipt="r-1", notes={"a": "b"})
    response = await client.get(f"/api/v1/orders/{order['id']}/public")
    assert response.status == 200
    assert await response.json() == {
        "id": order["id"],
        "amount": 50000,
        "currency": "INR",
        "status": "created",
        "merchant_name": "test@example.com",  # the merchant's email: merchants have no name
    }
    missing = await client.get("/api/v1/orders/order_AAAAAAAAAAAAAAAA/public")
    assert missing.status == 404
    assert (await missing.json())["error"]["code"] == "NOT_FOUND_ERROR"


async def test_public_payment_pays_the_order_and_hides_instrument_data(
    start_app: AppFactory,
) -> None:
    client = await start_app(test_processing_delay_ms=50)
    order = await create_order(client)
    response = await pay(client, order["id"], method="card", card=card(), vpa=None)
    assert response.status == 201, await response.text()
    created = await response.json()
    assert (created["status"], created["card_last4"]) == ("pending", "1111")
    # The merchant sees it like any payment of theirs.
    own = await client.get(f"/api/v1/payments/{created['id']}", headers=MERCHANT)
    assert (await own.json())["order_id"] == order["id"]

    settled = await public_settled(client, created["id"])
    assert set(settled) == PUBLIC_PAYMENT_FIELDS  # no vpa, card_network, card_last4, captured
    assert (settled["order_id"], settled["method"]) == (order["id"], "card")
    assert (await client.get("/api/v1/payments/pay_AAAAAAAAAAAAAAAA/public")).status == 404


@pytest.mark.parametrize(
    ("fields", "code", "field"),
    [
        ({"vpa": "not-a-vpa"}, "INVALID_VPA", None),
        ({"method": "card", "card": card("4111111111111112")}, "INVALID_CARD", None),
        ({"method": "card", "card": card(expiry_year="2001")}, "EXPIRED_CARD", None),
        ({"method": "cash"}, "BAD_REQUEST_ERROR", "method"),
        ({"order_id": 7}, "BAD_REQUEST_ERROR", "order_id"),
    ],
)
async def test_public_payment_validation_is_the_apis(
    start_app: AppFactory, fields: dict[str, Any], code: str, field: str | None
) -> None:
    client = await start_app(run_worker=False)
    order = await create_order(client)
    public = await pay(client, order["id"], **fields)
    private = await client.post(
        "/api/v1/payments",
        json={"order_id": order["id"], "method": "upi", "vpa": "user@paytm", **fields},
        headers=MERCHANT,
    )
    assert (public.status, private.status) == (400, 400)
    error = (await public.json())["error"]
    assert error == (await private.json())["error"]
    assert error["code"] == code
    if field:
        assert error["field"] == field


async def test_unknown_order_is_404_and_paid_order_refuses(start_app: AppFactory) -> None:
    client = await start_app(test_processing_delay_ms=50)
    unknown = await pay(client, "order_AAAAAAAAAAAAAAAA")
    assert unknown.status == 404
    assert (await unknown.json())["error"]["field"] == "order_id"
    paid = await successful_payment(client)
    again = await pay(client, paid["order_id"], vpa="success@razorpay")
    assert again.status == 400
    assert (await again.json())["error"]["code"] == "BAD_REQUEST_ERROR"


async def test_20_concurrent_public_payments_succeed_once(
    start_app: AppFactory, db: asyncpg.Connection
) -> None:
    client = await start_app(test_processing_delay_ms=50)
    order = await create_order(client)
    responses = await asyncio.gather(
        *(pay(client, order["id"], vpa="success@razorpay") for _ in range(20))
    )
    created = [await r.json() for r in responses if r.status == 201]
    assert created and {r.status for r in responses} <= {201, 400}
    settled = [await public_settled(client, p["id"]) for p in created]
    assert [p["status"] for p in settled].count("success") == 1
    others = {p["error_description"] for p in settled if p["status"] == "failed"}
    assert others <= {"order already paid"}
    paid = "SELECT count(*) FROM gateway_payments WHERE order_id = $1 AND status = 'success'"
    assert await db.fetchval(paid, order["id"]) == 1


async def test_idempotency_key_replays_and_is_scoped_to_the_orders_merchant(
    start_app: AppFactory, other_merchant: dict[str, str], db: asyncpg.Connection
) -> None:
    client = await start_app(run_worker=False)
    order = await create_order(client)
    first, second = [await pay(client, order["id"], key="checkout-1") for _ in range(2)]
    assert (first.status, second.status) == (201, 201)
    assert await first.read() == await second.read()
    assert second.headers["Idempotent-Replayed"] == "true"
    mismatch = await pay(client, order["id"], key="checkout-1", vpa="other@upi")
    assert mismatch.status == 422
    assert (await mismatch.json())["error"]["code"] == "IDEMPOTENCY_KEY_MISMATCH"
    # Another merchant's order: another key space, so the same key makes a new payment.
    theirs = await create_order(client, headers=other_merchant)
    other = await pay(client, theirs["id"], key="checkout-1")
    assert other.status == 201
    assert (await other.json())["id"] != (await first.json())["id"]
    assert await db.fetchval("SELECT count(*) FROM gateway_payments") == 2
