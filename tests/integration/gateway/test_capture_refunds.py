"""Capture and refunds: the rules, and no over-refund under concurrency (DESIGN §4)."""

from __future__ import annotations

import asyncio
import re

import asyncpg

from tests.conftest import AppFactory
from tests.integration.gateway.conftest import (
    MERCHANT,
    create_order,
    create_payment,
    settled_payment,
    successful_payment,
    wait_until,
)


async def test_capture_once_for_the_exact_amount(start_app: AppFactory) -> None:
    client = await start_app()
    payment = await successful_payment(client, amount=50000)
    url = f"/api/v1/payments/{payment['id']}/capture"
    for wrong in ({"amount": 49999}, {"amount": "50000"}, {}):
        response = await client.post(url, json=wrong, headers=MERCHANT)
        assert response.status == 400
        assert (await response.json())["error"]["field"] == "amount"
    response = await client.post(url, json={"amount": 50000}, headers=MERCHANT)
    assert response.status == 200
    captured = await response.json()
    assert (captured["captured"], captured["status"]) == (True, "success")
    again = await client.post(url, json={"amount": 50000}, headers=MERCHANT)
    assert again.status == 400
    assert (await again.json())["error"]["code"] == "BAD_REQUEST_ERROR"


async def test_capture_of_pending_or_failed_payment_is_400(start_app: AppFactory) -> None:
    client = await start_app(run_worker=False)
    order = await create_order(client)
    pending = await create_payment(client, order["id"])
    response = await client.post(
        f"/api/v1/payments/{pending['id']}/capture", json={"amount": 50000}, headers=MERCHANT
    )
    assert response.status == 400
    assert (await response.json())["error"]["code"] == "BAD_REQUEST_ERROR"

    failing = await start_app(test_payment_success=False)
    failed = await settled_payment(failing, (await create_payment(failing, order["id"]))["id"])
    response = await failing.post(
        f"/api/v1/payments/{failed['id']}/capture", json={"amount": 50000}, headers=MERCHANT
    )
    assert response.status == 400


async def test_capture_of_foreign_payment_is_404(
    start_app: AppFactory, other_merchant: dict[str, str]
) -> None:
    client = await start_app()
    payment = await successful_payment(client)
    response = await client.post(
        f"/api/v1/payments/{payment['id']}/capture", json={"amount": 50000}, headers=other_merchant
    )
    assert response.status == 404


async def test_partial_refunds_until_nothing_is_left(start_app: AppFactory) -> None:
    client = await start_app()
    payment = await successful_payment(client, amount=10000)
    url = f"/api/v1/payments/{payment['id']}/refunds"
    first = await client.post(url, json={"amount": 4000, "reason": "damaged"}, headers=MERCHANT)
    assert first.status == 201
    refund = await first.json()
    assert re.fullmatch(r"rfnd_[A-Za-z0-9]{16}", refund["id"])
    assert {k: refund[k] for k in ("payment_id", "amount", "reason", "status")} == {
        "payment_id": payment["id"],
        "amount": 4000,
        "reason": "damaged",
        "status": "pending",
    }
    second = await client.post(url, json={"amount": 6000}, headers=MERCHANT)
    assert second.status == 201
    over = await client.post(url, json={"amount": 1}, headers=MERCHANT)
    assert over.status == 400
    error = (await over.json())["error"]
    assert (error["code"], error["field"]) == ("INSUFFICIENT_REFUND_AMOUNT", "amount")

    async def processed() -> dict[str, object] | None:
        response = await client.get(f"/api/v1/refunds/{refund['id']}", headers=MERCHANT)
        body: dict[str, object] = await response.json()
        return body if body["status"] == "processed" else None

    done = await wait_until(processed)
    assert done["processed_at"] is not None
    listed = await (await client.get(url, headers=MERCHANT)).json()
    assert [r["amount"] for r in listed["data"]] == [6000, 4000]
    assert listed["total"] == 2


async def test_refund_amount_rules(start_app: AppFactory) -> None:
    client = await start_app()
    payment = await successful_payment(client, amount=10000)
    url = f"/api/v1/payments/{payment['id']}/refunds"
    for amount, code in [
        (0, "INSUFFICIENT_REFUND_AMOUNT"),
        (-5, "INSUFFICIENT_REFUND_AMOUNT"),
        (10001, "INSUFFICIENT_REFUND_AMOUNT"),
        ("100", "BAD_REQUEST_ERROR"),
        (None, "BAD_REQUEST_ERROR"),
        (1.5, "BAD_REQUEST_ERROR"),
    ]:
        response = await client.post(url, json={"amount": amount}, headers=MERCHANT)
        assert response.status == 400, amount
        assert (await response.json())["error"]["code"] == code, amount
    long_reason = {"amount": 100, "reason": "x" * 256}
    response = await client.post(url, json=long_reason, headers=MERCHANT)
    assert (await response.json())["error"]["field"] == "reason"


async def test_refund_needs_a_successful_own_payment(
    start_app: AppFactory, other_merchant: dict[str, str]
) -> None:
    client = await start_app(run_worker=False)
    order = await create_order(client)
    pending = await create_payment(client, order["id"])
    url = f"/api/v1/payments/{pending['id']}/refunds"
    response = await client.post(url, json={"amount": 100}, headers=MERCHANT)
    assert response.status == 400
    assert (await response.json())["error"]["code"] == "BAD_REQUEST_ERROR"
    response = await client.post(url, json={"amount": 100}, headers=other_merchant)
    assert response.status == 404
    response = await client.get(url, headers=other_merchant)
    assert response.status == 404
    response = await client.get("/api/v1/refunds/rfnd_nothing000000000", headers=MERCHANT)
    assert response.status == 404


async def test_foreign_refund_is_404(start_app: AppFactory, other_merchant: dict[str, str]) -> None:
    client = await start_app()
    payment = await successful_payment(client)
    response = await client.post(
        f"/api/v1/payments/{payment['id']}/refunds", json={"amount": 100}, headers=MERCHANT
    )
    refund = await response.json()
    foreign = await client.get(f"/api/v1/refunds/{refund['id']}", headers=other_merchant)
    assert foreign.status == 404


async def test_20_concurrent_refunds_never_exceed_the_payment(
    start_app: AppFactory, db: asyncpg.Connection
) -> None:
    client = await start_app()
    payment = await successful_payment(client, amount=10000)
    url = f"/api/v1/payments/{payment['id']}/refunds"
    # 20 × 700 = 14000 asked of 10000: exactly 14 fit (9800), the other 6 must be refused.
    responses = await asyncio.gather(
        *(client.post(url, json={"amount": 700}, headers=MERCHANT) for _ in range(20))
    )
    statuses = sorted(r.status for r in responses)
    assert statuses == [201] * 14 + [400] * 6
    refused = [await r.json() for r in responses if r.status == 400]
    assert {e["error"]["code"] for e in refused} == {"INSUFFICIENT_REFUND_AMOUNT"}
    total = await db.fetchval(
        "SELECT sum(amount) FROM gateway_refunds WHERE payment_id = $1", payment["id"]
    )
    assert total == 9800
