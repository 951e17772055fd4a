"""The built-in Stripe sandbox (DESIGN §8a): the shop's real Stripe client, over HTTP, against
this installation's ``/sandbox/stripe``; the stand-in page pays with a signed webhook."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

import asyncpg
import pytest

from payserv.money import to_minor_units
from payserv.shop import sandbox
from tests.conftest import AppFactory
from tests.integration.shop.conftest import Client, Factory, post_ok

Start = Callable[..., Awaitable[Client]]
AUTH = {"Authorization": f"Bearer {sandbox.SECRET_KEY}"}
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


async def buy(client: Client, path: str) -> dict[str, Any]:
    response = await client.get(path)
    assert response.status == 200, await response.text()
    body: dict[str, Any] = await response.json()
    return body


async def pay_on_page(client: Client, session_id: str) -> Any:
    """Open the stand-in page and press Pay (its form, with the page's CSRF token)."""
    page = await client.get(f"/sandbox/stripe/checkout/{session_id}")
    assert page.status == 200
    token = _CSRF.search(await page.text())
    assert token is not None
    return await client.post(
        f"/sandbox/stripe/checkout/{session_id}/pay",
        data={"csrf_token": token.group(1)},
        allow_redirects=False,
    )


async def test_buy_answers_a_sandbox_session_and_its_page(
    start_sandbox: Start, make_item: Factory
) -> None:
    client = await start_sandbox()
    item = await make_item(client, "Coffee mug", "12.50")
    session = await buy(client, f"/buy/{item['id']}")
    assert session["id"].startswith("cs_test_sandbox_")
    base = str(client.make_url("")).rstrip("/")
    assert session["url"] == f"{base}/sandbox/stripe/checkout/{session['id']}"

    page = await client.get(session["url"].removeprefix(base))
    text = await page.text()
    assert page.status == 200 and page.content_type == "text/html"
    assert "SANDBOX — no real money" in text
    assert "Coffee mug" in text and "Total: 12.50 USD" in text
    assert "/cancel" in text  # Cancel goes back to the session's cancel_url
    assert "'nonce-" in page.headers["Content-Security-Policy"]
    item_page = await (await client.get(f"/item/{item['id']}")).text()
    assert 'id="stripe-sandbox"' in item_page and "js.stripe.com" not in item_page


async def test_pay_marks_the_purchase_paid_through_the_signed_webhook_once(
    start_sandbox: Start, make_item: Factory, db: asyncpg.Connection
) -> None:
    client = await start_sandbox()
    item = await make_item(client, "Notebook", "9.90", "EUR")
    session = await buy(client, f"/buy/{item['id']}")
    refused = await client.post(f"/sandbox/stripe/checkout/{session['id']}/pay", data={})
    assert refused.status == 403  # a page form: no CSRF token, no payment

    paid = await pay_on_page(client, session["id"])
    assert paid.status == 303
    assert paid.headers["Location"] == f"/sandbox/stripe/checkout/{session['id']}?paid=1"
    back = await (await client.get(paid.headers["Location"])).text()
    assert f"/success?session_id={session['id']}" in back  # then on to success_url
    purchase = await db.fetchrow(
        "SELECT status, paid_at FROM shop_purchases WHERE stripe_id = $1", session["id"]
    )
    assert purchase["status"] == "paid"

    again = await pay_on_page(client, session["id"])  # "Send … again": the same event id
    assert again.status == 303
    events = await db.fetch("SELECT event_id, type FROM shop_stripe_events")
    assert [(e["event_id"], e["type"]) for e in events] == [
        (
            "evt_sandbox_" + session["id"].removeprefix("cs_test_sandbox_"),
            "checkout.session.completed",
        )
    ]
    same = await db.fetchval(
        "SELECT paid_at FROM shop_purchases WHERE stripe_id = $1", session["id"]
    )
    assert same == purchase["paid_at"]


@pytest.mark.parametrize(
    ("currency", "price", "discount"),
    [
        ("USD", "19.99", {"percent_off": "12.5"}),
        ("JPY", "4500", {"amount_off": "700", "currency": "JPY"}),
    ],
)
async def test_order_with_discount_and_taxes_costs_the_same_in_the_sandbox(
    start_sandbox: Start,
    make_item: Factory,
    make_order: Factory,
    admin_headers: dict[str, str],
    currency: str,
    price: str,
    discount: dict[str, str],
) -> None:
    client = await start_sandbox()
    mug = await make_item(client, "Mug", price, currency)
    pen = await make_item(client, "Pen", "3" if currency == "JPY" else "0.35", currency)
    off = await post_ok(client, "/api/shop/discounts", {"name": "Off", **discount}, admin_headers)
    taxes = [
        await post_ok(
            client, "/api/shop/taxes", {"name": n, "percentage": p, "inclusive": i}, admin_headers
        )
        for n, p, i in (("Sales", "8.25", False), ("City", "1.5", False), ("VAT", "20", True))
    ]
    order = await make_order(
        client, [(mug["id"], 3), (pen["id"], 7)], off["id"], [t["id"] for t in taxes]
    )
    session = await buy(client, f"/buy/order/{order['id']}")

    response = await client.get(
        f"/sandbox/stripe/v1/checkout/sessions/{session['id']}", headers=AUTH
    )
    stripe_session = await response.json()
    assert stripe_session["amount_total"] == to_minor_units(Decimal(order["total"]), currency)
    assert stripe_session["amount_subtotal"] == to_minor_units(Decimal(order["subtotal"]), currency)
    details = stripe_session["total_details"]
    assert details["amount_discount"] == to_minor_units(Decimal(order["discount_amount"]), currency)
    assert details["amount_tax"] == to_minor_units(Decimal(order["tax_amount"]), currency)

    helper = f"/sandbox/stripe/v1/test_helpers/checkout/sessions/{session['id']}/pay"
    paid = await client.post(helper, headers=AUTH)
    assert paid.status == 200, await paid.text()
    fetched = await client.get(f"/api/shop/orders/{order['id']}", headers=admin_headers)
    assert (await fetched.json())["paid"] is True


async def test_state_is_shared_by_two_processes_on_one_database(
    start_sandbox: Start, make_item: Factory
) -> None:
    first, second = await start_sandbox(), await start_sandbox()
    item = await make_item(first, "Lamp", "30.00")
    session = await buy(first, f"/buy/{item['id']}")
    page = await second.get(f"/sandbox/stripe/checkout/{session['id']}")
    assert page.status == 200 and "Lamp" in await page.text()


SANDBOX_PATHS = [
    ("GET", "/sandbox/stripe/checkout/cs_test_sandbox_x"),
    ("POST", "/sandbox/stripe/checkout/cs_test_sandbox_x/pay"),
    ("POST", "/sandbox/stripe/v1/checkout/sessions"),
    ("GET", "/sandbox/stripe/v1/coupons/coupon_x"),
]


async def test_a_real_key_wins_over_the_sandbox(start_sandbox: Start, make_item: Factory) -> None:
    client = await start_sandbox(
        stripe_secret_keys={"": "sk_test_real"}, stripe_api_base="http://127.0.0.1:9"
    )
    for method, path in SANDBOX_PATHS:
        assert (await client.request(method, path, headers=AUTH)).status == 404, path
    item = await make_item(client, "Cup", "5.00")
    assert (await client.get(f"/buy/{item['id']}")).status == 502  # the real base, not ours


async def test_without_payserv_sandbox_there_is_no_sandbox(start_app: AppFactory) -> None:
    client = await start_app(run_worker=False)
    for method, path in SANDBOX_PATHS:
        assert (await client.request(method, path, headers=AUTH)).status == 404, path
