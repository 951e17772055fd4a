"""Stripe webhooks during a Postgres outage: 503, then a redelivery pays once (§7, §1).

Stripe retries a delivery that did not get a 2xx, so a webhook that arrives while the
database is down must answer ``503 SERVICE_UNAVAILABLE`` (never a 500), and the same event
delivered again after the outage marks the order paid exactly once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp

from payserv.database import connect
from tests.helpers.processes import database_down, running, user_headers, wait_for
from tests.integration.shop.test_webhook import SECRET, completed, signed

OUTAGE_SECONDS = 8
SESSION_ID = "cs_test_chaos"


async def _deliver(http: aiohttp.ClientSession, url: str, event: dict[str, Any]) -> tuple[int, Any]:
    """One delivery of ``event``, signed at the time it is sent, as Stripe does."""
    payload, signature = signed(event)
    headers = {"Stripe-Signature": signature, "Content-Type": "application/json"}
    async with http.post(f"{url}/stripe/webhook", data=payload, headers=headers) as response:
        return response.status, await response.json(content_type=None)


async def test_webhook_in_an_outage_is_503_and_its_redelivery_pays_once(
    own_server: Any, tmp_path: Path
) -> None:
    dsn = own_server.get_uri()
    log = tmp_path / "payserv.log"
    async with (
        running("serve", dsn, log, STRIPE_WEBHOOK_SECRET=SECRET) as payserv,
        aiohttp.ClientSession() as http,
    ):
        order_id = await _order_awaiting_payment(dsn, http, payserv.url)
        event = completed("evt_chaos", SESSION_ID, f"order:{order_id}")
        answers = []
        async with database_down(own_server, OUTAGE_SECONDS):
            for _ in range(5):
                answers.append(await _deliver(http, payserv.url, event))
        assert {status for status, _ in answers} == {503}, answers
        assert {body["error"]["code"] for _, body in answers} == {"SERVICE_UNAVAILABLE"}

        # Stripe redelivers with backoff; the first 2xx processes the event.
        redeliveries: list[tuple[int, Any]] = []

        async def acknowledged() -> bool:
            redeliveries.append(await _deliver(http, payserv.url, event))
            status = redeliveries[-1][0]
            assert status in (200, 503), redeliveries
            return status == 200

        await wait_for(acknowledged, "a redelivery acknowledged", 30, interval=0.2)
        assert redeliveries[-1][1]["status"] == "processed"
        paid_at = await _paid_at(dsn, order_id)
        assert paid_at is not None
        # A later redelivery (its 2xx was lost, say) changes nothing.
        assert (await _deliver(http, payserv.url, event))[1]["status"] == "duplicate"
        assert await _paid_at(dsn, order_id) == paid_at
    conn = await connect(dsn)
    try:
        events = await conn.fetchval("SELECT count(*) FROM shop_stripe_events")
        purchases = [tuple(row) for row in await conn.fetch("SELECT status FROM shop_purchases")]
    finally:
        await conn.close()
    assert (events, purchases) == (1, [("paid",)])


async def _order_awaiting_payment(dsn: str, http: aiohttp.ClientSession, url: str) -> int:
    """An order and its open Checkout Session purchase, as ``/buy/order/{id}`` leaves them."""
    headers = await user_headers(dsn, "shop_admin", superuser=True)
    item = {"name": "Mug", "description": "A mug", "price": "12.50", "currency": "USD"}
    async with http.post(f"{url}/api/shop/items", json=item, headers=headers) as response:
        assert response.status == 201, await response.text()
        item_id = (await response.json())["id"]
    order = {"items": [{"item_id": item_id, "quantity": 2}]}
    async with http.post(f"{url}/api/shop/orders", json=order, headers=headers) as response:
        assert response.status == 201, await response.text()
        order_id = int((await response.json())["id"])
    conn = await connect(dsn)
    try:
        await conn.execute(
            "INSERT INTO shop_purchases (reference, kind, stripe_id, amount, currency)"
            " VALUES ($1, 'checkout_session', $2, 2500, 'USD')",
            f"order:{order_id}",
            SESSION_ID,
        )
    finally:
        await conn.close()
    return order_id


async def _paid_at(dsn: str, order_id: int) -> Any:
    conn = await connect(dsn)
    try:
        return await conn.fetchval(
            "SELECT paid_at FROM shop_orders WHERE id = $1 AND paid", order_id
        )
    finally:
        await conn.close()
