"""Payments: methods and their validation, processing by the job, order status (DESIGN §4)."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime
from typing import Any

import asyncpg
import pytest

from payserv.gateway import payments
from tests.conftest import AppFactory
from tests.integration.gateway.conftest import (
    MERCHANT,
    card,
    create_order,
    create_payment,
    settled_payment,
)


async def test_upi_payment_is_pending_then_succeeds_and_pays_the_order(
    start_app: AppFactory,
) -> None:
    client = await start_app(test_payment_success=True, test_processing_delay_ms=300)
    order = await create_order(client, amount=70000, currency="INR")
    payment = await create_payment(client, order["id"], amount=1, currency="USD")
    assert re.fullmatch(r"pay_[A-Za-z0-9]{16}", payment["id"])
    # Amount and currency come from the order, never from the client.
    assert {k: payment[k] for k in ("order_id", "amount", "currency", "method", "vpa")} == {
        "order_id": order["id"],
        "amount": 70000,
        "currency": "INR",
        "method": "upi",
        "vpa": "user@paytm",
    }
    assert (payment["status"], payment["captured"], payment["error_code"]) == (
        "pending",
        False,
        None,
    )
    attempted = await client.get(f"/api/v1/orders/{order['id']}", headers=MERCHANT)
    assert (await attempted.json())["status"] == "attempted"

    settled = await settled_payment(client, payment["id"])
    assert (settled["status"], settled["error_code"]) == ("success", None)
    paid = await client.get(f"/api/v1/orders/{order['id']}", headers=MERCHANT)
    assert (await paid.json())["status"] == "paid"


async def test_declined_payment_fails_with_payment_failed(start_app: AppFactory) -> None:
    client = await start_app(test_payment_success=False)
    order = await create_order(client)
    settled = await settled_payment(client, (await create_payment(client, order["id"]))["id"])
    assert settled["status"] == "failed"
    assert settled["error_code"] == "PAYMENT_FAILED"
    assert settled["error_description"]
    response = await client.get(f"/api/v1/orders/{order['id']}", headers=MERCHANT)
    assert (await response.json())["status"] == "attempted"


@pytest.mark.parametrize(
    ("setting", "fields", "outcome"),
    [
        (False, {"vpa": "success@razorpay"}, "success"),
        (True, {"vpa": "failure@razorpay"}, "failed"),
        (True, {"method": "card", "card": card("4000 0000 0000 0002")}, "failed"),
    ],
)
async def test_test_instruments_win_over_the_setting(
    start_app: AppFactory, setting: bool, fields: dict[str, Any], outcome: str
) -> None:
    client = await start_app(test_payment_success=setting)
    order = await create_order(client)
    payment = await create_payment(client, order["id"], **fields)
    assert (await settled_payment(client, payment["id"]))["status"] == outcome


async def test_processing_waits_the_test_delay(
    start_app: AppFactory, db: asyncpg.Connection
) -> None:
    client = await start_app(test_payment_success=True, test_processing_delay_ms=60_000)
    order = await create_order(client)
    payment = await create_payment(client, order["id"])
    scheduled = await db.fetchval(
        "SELECT scheduled_at FROM procrastinate_jobs WHERE task_name = 'gateway.process_payment'"
    )
    assert 55 < (scheduled - datetime.now(UTC)).total_seconds() <= 60
    await asyncio.sleep(0.5)
    response = await client.get(f"/api/v1/payments/{payment['id']}", headers=MERCHANT)
    assert (await response.json())["status"] == "pending"


@pytest.mark.parametrize(
    ("number", "network"),
    [
        ("4111111111111111", "visa"),
        ("5555555555554444", "mastercard"),
        ("2223003122003222", "mastercard"),
        ("378282246310005", "amex"),
        ("6073849700004947", "rupay"),
        ("6011111111111117", "rupay"),
        ("3530111333300000", "unknown"),
    ],
)
async def test_card_network_and_last4_only(
    start_app: AppFactory, number: str, network: str
) -> None:
    client = await start_app(run_worker=False)
    order = await create_order(client)
    payment = await create_payment(client, order["id"], method="card", card=card(number))
    assert (payment["card_network"], payment["card_last4"]) == (network, number[-4:])
    assert "card" not in payment and "vpa" not in payment


def _months_ago(months: int) -> tuple[str, str]:
    today = datetime.now(UTC).date()
    total = today.year * 12 + today.month - 1 - months
    return f"{total % 12 + 1:02d}", str(total // 12)


@pytest.mark.parametrize(
    ("fields", "code", "field"),
    [
        ({"vpa": "no-at-sign"}, "INVALID_VPA", "vpa"),
        ({"vpa": "user@pay tm"}, "INVALID_VPA", "vpa"),
        ({"vpa": None}, "INVALID_VPA", "vpa"),
        ({"method": "card", "card": card("4111111111111112")}, "INVALID_CARD", "card.number"),
        ({"method": "card", "card": card("411111111111")}, "INVALID_CARD", "card.number"),
        ({"method": "card", "card": card("4" * 20)}, "INVALID_CARD", "card.number"),
        ({"method": "card", "card": card(cvv="12")}, "INVALID_CARD", "card.cvv"),
        ({"method": "card", "card": card(cvv="12345")}, "INVALID_CARD", "card.cvv"),
        ({"method": "card", "card": "4111111111111111"}, "INVALID_CARD", "card"),
        ({"method": "card", "card": card(expiry_month="13")}, "EXPIRED_CARD", "card.expiry_month"),
        ({"method": "card", "card": card(expiry_year="2020")}, "EXPIRED_CARD", "card.expiry_month"),
        ({"method": "wallet"}, "BAD_REQUEST_ERROR", "method"),
        ({"order_id": None}, "BAD_REQUEST_ERROR", "order_id"),
        ({"order_id": 12}, "BAD_REQUEST_ERROR", "order_id"),
    ],
)
async def test_invalid_payment_methods(
    start_app: AppFactory, fields: dict[str, object], code: str, field: str
) -> None:
    client = await start_app(run_worker=False)
    order = await create_order(client)
    body = {"order_id": order["id"], "method": "upi", "vpa": "user@paytm", **fields}
    response = await client.post("/api/v1/payments", json=body, headers=MERCHANT)
    assert response.status == 400
    error = (await response.json())["error"]
    assert (error["code"], error["field"]) == (code, field)


async def test_expiry_month_boundary(start_app: AppFactory) -> None:
    client = await start_app(run_worker=False)
    order = await create_order(client)
    month, year = _months_ago(0)
    current = card(expiry_month=month, expiry_year=year[2:])
    await create_payment(client, order["id"], method="card", card=current)
    month, year = _months_ago(1)
    body = {
        "order_id": order["id"],
        "method": "card",
        "card": card(expiry_month=month, expiry_year=year),
    }
    response = await client.post("/api/v1/payments", json=body, headers=MERCHANT)
    assert (await response.json())["error"]["code"] == "EXPIRED_CARD"


async def test_unknown_or_foreign_order_is_404(
    start_app: AppFactory, other_merchant: dict[str, str]
) -> None:
    client = await start_app(run_worker=False)
    order = await create_order(client)
    for headers, order_id in [(MERCHANT, "order_nothing000000000"), (other_merchant, order["id"])]:
        body = {"order_id": order_id, "method": "upi", "vpa": "a@b"}
        response = await client.post("/api/v1/payments", json=body, headers=headers)
        assert response.status == 404
        assert (await response.json())["error"]["code"] == "NOT_FOUND_ERROR"


async def test_another_merchants_payment_is_404_and_lists_are_scoped(
    start_app: AppFactory, other_merchant: dict[str, str]
) -> None:
    client = await start_app(run_worker=False)
    order = await create_order(client)
    first = await create_payment(client, order["id"])
    second = await create_payment(client, order["id"])
    response = await client.get(f"/api/v1/payments/{first['id']}", headers=other_merchant)
    assert response.status == 404
    page = await (await client.get("/api/v1/payments?limit=1", headers=MERCHANT)).json()
    assert ([p["id"] for p in page["data"]], page["total"]) == ([second["id"]], 2)
    other = await (await client.get("/api/v1/payments", headers=other_merchant)).json()
    assert other["total"] == 0


async def test_paid_order_rejects_new_payments(start_app: AppFactory) -> None:
    client = await start_app(test_payment_success=True)
    order = await create_order(client)
    await settled_payment(client, (await create_payment(client, order["id"]))["id"])
    body = {"order_id": order["id"], "method": "upi", "vpa": "a@b"}
    response = await client.post("/api/v1/payments", json=body, headers=MERCHANT)
    assert response.status == 400
    assert (await response.json())["error"]["code"] == "BAD_REQUEST_ERROR"


@pytest.mark.parametrize(("upi_succeeds", "card_succeeds"), [(True, False), (False, True)])
async def test_the_verdict_for_the_payments_own_method_decides(
    start_app: AppFactory, db: asyncpg.Connection, upi_succeeds: bool, card_succeeds: bool
) -> None:
    # The job draws a verdict for each method; settling picks the payment's own.
    client = await start_app(run_worker=False)
    by_upi = await create_payment(client, (await create_order(client))["id"])
    by_card = await create_payment(
        client, (await create_order(client))["id"], method="card", card=card()
    )
    for payment in (by_upi, by_card):
        async with db.transaction():
            await payments.settle_payment(
                db, payment["id"], upi_succeeds=upi_succeeds, card_succeeds=card_succeeds
            )
    statuses = dict(await db.fetch("SELECT method, status FROM gateway_payments"))
    outcome = {True: "success", False: "failed"}
    assert statuses == {"upi": outcome[upi_succeeds], "card": outcome[card_succeeds]}
    declined = await db.fetchrow("SELECT * FROM gateway_payments WHERE status = 'failed'")
    assert (declined["error_code"], declined["error_description"]) == (
        "PAYMENT_FAILED",
        "payment was declined",
    )


async def test_a_test_instrument_wins_over_the_verdict_and_settles_once(
    start_app: AppFactory, db: asyncpg.Connection
) -> None:
    client = await start_app(run_worker=False)
    order = await create_order(client)
    payment = await create_payment(client, order["id"], vpa="failure@razorpay")
    async with db.transaction():
        first = await payments.settle_payment(
            db, payment["id"], upi_succeeds=True, card_succeeds=True
        )
    async with db.transaction():
        second = await payments.settle_payment(
            db, payment["id"], upi_succeeds=True, card_succeeds=True
        )
    assert first is not None and first.status == "failed"
    assert second is None  # already settled: nothing changes
    assert await db.fetchval("SELECT status FROM gateway_orders") == "attempted"


async def test_concurrent_payments_of_one_order_settle_at_most_one_success(
    start_app: AppFactory, db: asyncpg.Connection
) -> None:
    # Created while the worker is off, so all of them are pending before any settles.
    creator = await start_app(run_worker=False)
    order = await create_order(creator)
    payments = await asyncio.gather(*(create_payment(creator, order["id"]) for _ in range(10)))
    await start_app(test_payment_success=True, worker_concurrency=5)
    settled = [await settled_payment(creator, p["id"]) for p in payments]
    statuses = sorted(p["status"] for p in settled)
    assert statuses == ["failed"] * 9 + ["success"]
    failed = [p for p in settled if p["status"] == "failed"]
    assert {p["error_description"] for p in failed} == {"order already paid"}
    assert await db.fetchval("SELECT status FROM gateway_orders") == "paid"
