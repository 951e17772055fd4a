"""Checkout Sessions and PaymentIntents against a local Stripe-compatible server."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg

from tests.integration.shop.conftest import Client, Factory, post_ok
from tests.integration.shop.stripe_stub import StripeStub
from tests.integration.shop.test_webhook import SECRET, completed, signed

Start = Callable[..., Awaitable[Client]]
SESSIONS = "/v1/checkout/sessions"


def base(client: Client) -> str:
    return str(client.make_url("")).rstrip("/")


async def buy(client: Client, path: str) -> Any:
    response = await client.get(path)
    assert response.status == 200, await response.text()
    return await response.json()


async def test_item_session_parameters(
    start_shop: Start, stripe_stub: StripeStub, make_item: Factory, db: asyncpg.Connection
) -> None:
    client = await start_shop()
    item = await make_item(client, "Mug", "12.50")
    session = await buy(client, f"/buy/{item['id']}")
    assert session["id"].startswith("cs_test_")
    assert session["url"] == f"{stripe_stub.url}/checkout/{session['id']}"
    [call] = stripe_stub.calls(SESSIONS)
    ref = f"item:{item['id']}"
    assert call.params == {
        "mode": "payment",
        "client_reference_id": ref,
        "success_url": f"{base(client)}/success?session_id={{CHECKOUT_SESSION_ID}}",
        "cancel_url": f"{base(client)}/cancel",
        "metadata[reference]": ref,
        "line_items[0][price_data][currency]": "usd",
        "line_items[0][price_data][unit_amount]": "1250",
        "line_items[0][price_data][product_data][name]": "Mug",
        "line_items[0][price_data][product_data][description]": "Mug description",
        "line_items[0][quantity]": "1",
    }
    assert call.api_key == "sk_test_usd" and call.idempotency_key
    purchase = await db.fetchrow("SELECT * FROM shop_purchases")
    assert (purchase["reference"], purchase["stripe_id"]) == (ref, session["id"])
    assert (purchase["amount"], purchase["currency"], purchase["status"]) == (1250, "USD", "open")


async def test_keys_per_currency_and_zero_decimal_amounts(
    start_shop: Start, stripe_stub: StripeStub, make_item: Factory
) -> None:
    client = await start_shop()
    eur = await make_item(client, "Book", "9.90", "EUR")
    jpy = await make_item(client, "Tea", "4500", "JPY")
    await buy(client, f"/buy/{eur['id']}")
    await buy(client, f"/buy/{jpy['id']}")
    eur_call, jpy_call = stripe_stub.calls(SESSIONS)
    assert eur_call.api_key == "sk_test_eur"
    assert eur_call.params["line_items[0][price_data][currency]"] == "eur"
    assert eur_call.params["line_items[0][price_data][unit_amount]"] == "990"
    assert jpy_call.api_key == "sk_test_default"  # no JPY key: the fallback STRIPE_SECRET_KEY
    assert jpy_call.params["line_items[0][price_data][currency]"] == "jpy"
    assert jpy_call.params["line_items[0][price_data][unit_amount]"] == "4500"


async def catalog(client: Client, headers: dict[str, str], make_item: Factory) -> dict[str, Any]:
    """Two USD items, a percent and an amount discount, an exclusive and an inclusive tax."""
    mug = await make_item(client, "Mug", "12.50")
    shirt = await make_item(client, "Shirt", "20.00")
    ten = await post_ok(client, "/api/shop/discounts", {"name": "Ten", "percent_off": 10}, headers)
    five = await post_ok(
        client,
        "/api/shop/discounts",
        {"name": "Five", "amount_off": "5", "currency": "USD"},
        headers,
    )
    sales = await post_ok(
        client, "/api/shop/taxes", {"name": "Sales", "percentage": 8, "inclusive": False}, headers
    )
    vat = await post_ok(
        client, "/api/shop/taxes", {"name": "VAT", "percentage": 20, "inclusive": True}, headers
    )
    return {"mug": mug, "shirt": shirt, "ten": ten, "five": five, "sales": sales, "vat": vat}


async def test_order_session_with_percent_discount_and_taxes(
    start_shop: Start,
    stripe_stub: StripeStub,
    make_item: Factory,
    make_order: Factory,
    admin_headers: dict[str, str],
) -> None:
    client = await start_shop()
    c = await catalog(client, admin_headers, make_item)
    order = await make_order(
        client,
        [(c["mug"]["id"], 2), (c["shirt"]["id"], 1)],
        c["ten"]["id"],
        [c["sales"]["id"], c["vat"]["id"]],
    )
    await buy(client, f"/buy/order/{order['id']}")
    [coupon] = stripe_stub.created("coupon")
    assert stripe_stub.calls("/v1/coupons")[0].params == {
        "name": "Ten",
        "duration": "once",
        "percent_off": "10",
    }
    sales_rate, vat_rate = stripe_stub.created("tax_rate")
    rate_params = [call.params for call in stripe_stub.calls("/v1/tax_rates")]
    assert rate_params == [
        {"display_name": "Sales", "percentage": "8", "inclusive": "false"},
        {"display_name": "VAT", "percentage": "20", "inclusive": "true"},
    ]
    [call] = stripe_stub.calls(SESSIONS)
    ref = f"order:{order['id']}"
    assert call.params["client_reference_id"] == ref
    assert call.params["discounts[0][coupon]"] == coupon["id"]
    for index, (name, amount, quantity) in enumerate(
        [("Mug", "1250", "2"), ("Shirt", "2000", "1")]
    ):
        line = f"line_items[{index}]"
        assert call.params[f"{line}[price_data][product_data][name]"] == name
        assert call.params[f"{line}[price_data][unit_amount]"] == amount
        assert call.params[f"{line}[quantity]"] == quantity
        assert call.params[f"{line}[tax_rates][0]"] == sales_rate["id"]
        assert call.params[f"{line}[tax_rates][1]"] == vat_rate["id"]
    # Buying again reuses the account's coupon and tax rates.
    await buy(client, f"/buy/order/{order['id']}")
    assert len(stripe_stub.calls("/v1/coupons")) == 1
    assert len(stripe_stub.calls("/v1/tax_rates")) == 2
    second = stripe_stub.calls(SESSIONS)[1]
    assert second.params["discounts[0][coupon]"] == coupon["id"]
    assert second.idempotency_key != call.idempotency_key  # a new click, a new session


async def test_amount_discount_and_zero_decimal_coupon(
    start_shop: Start,
    stripe_stub: StripeStub,
    make_item: Factory,
    make_order: Factory,
    admin_headers: dict[str, str],
) -> None:
    client = await start_shop()
    c = await catalog(client, admin_headers, make_item)
    order = await make_order(client, [(c["mug"]["id"], 3)], c["five"]["id"])
    await buy(client, f"/buy/order/{order['id']}")
    assert stripe_stub.calls("/v1/coupons")[0].params == {
        "name": "Five",
        "duration": "once",
        "amount_off": "500",
        "currency": "usd",
    }
    tea = await make_item(client, "Tea", "4500", "JPY")
    yen_off = await post_ok(
        client,
        "/api/shop/discounts",
        {"name": "Yen", "amount_off": "500", "currency": "JPY"},
        admin_headers,
    )
    yen_order = await make_order(client, [(tea["id"], 2)], yen_off["id"])
    assert yen_order["total"] == "8500"
    await buy(client, f"/buy/order/{yen_order['id']}")
    yen_coupon = stripe_stub.calls("/v1/coupons")[1]
    assert yen_coupon.params["amount_off"] == "500" and yen_coupon.params["currency"] == "jpy"
    assert yen_coupon.api_key == "sk_test_default"
    yen_session = stripe_stub.calls(SESSIONS)[1]
    assert yen_session.params["line_items[0][price_data][unit_amount]"] == "4500"


async def test_payment_intents_charge_the_order_total(
    start_shop: Start,
    stripe_stub: StripeStub,
    make_item: Factory,
    make_order: Factory,
    admin_headers: dict[str, str],
) -> None:
    client = await start_shop()
    c = await catalog(client, admin_headers, make_item)
    order = await make_order(
        client, [(c["mug"]["id"], 2), (c["shirt"]["id"], 1)], c["ten"]["id"], [c["sales"]["id"]]
    )
    assert order["total"] == "43.74"  # 45.00 − 4.50 + 8 % of 40.50
    intent = await buy(client, f"/payment-intent/order/{order['id']}")
    assert intent == {
        "id": intent["id"],
        "client_secret": f"{intent['id']}_secret_x",
        "amount": 4374,
        "currency": "usd",
        "publishable_key": "pk_test_usd",
    }
    [call] = stripe_stub.calls("/v1/payment_intents")
    assert call.params == {
        "amount": "4374",
        "currency": "usd",
        "automatic_payment_methods[enabled]": "true",
        "description": f"Order {order['id']}",
        "metadata[reference]": f"order:{order['id']}",
    }
    tea = await make_item(client, "Tea", "4500", "JPY")
    yen = await buy(client, f"/payment-intent/item/{tea['id']}")
    assert (yen["amount"], yen["currency"], yen["publishable_key"]) == (
        4500,
        "jpy",
        "pk_test_default",
    )


async def test_stripe_failures_are_502(
    start_shop: Start, stripe_stub: StripeStub, make_item: Factory
) -> None:
    client = await start_shop(stripe_timeout=0.3)
    item = await make_item(client, "Mug", "12.50")
    for status, error_type in ((402, "card_error"), (400, "invalid_request_error")):
        stripe_stub.fail_next(status, error_type)
        response = await client.get(f"/buy/{item['id']}")
        assert response.status == 502, status
        assert (await response.json())["error"]["code"] == "UPSTREAM_ERROR"
    stripe_stub.fail_next(500, times=3)  # the first try and both retries
    response = await client.get(f"/buy/{item['id']}")
    assert response.status == 502
    stripe_stub.delay = 1.0  # longer than STRIPE_TIMEOUT
    response = await client.get(f"/payment-intent/item/{item['id']}")
    assert response.status == 502
    assert (await response.json())["error"]["code"] == "UPSTREAM_ERROR"
    stripe_stub.delay = 0


async def test_transient_failure_is_retried_with_the_same_key(
    start_shop: Start, stripe_stub: StripeStub, make_item: Factory
) -> None:
    client = await start_shop()
    item = await make_item(client, "Mug", "12.50")
    stripe_stub.fail_next(500)
    session = await buy(client, f"/buy/{item['id']}")
    first, second = stripe_stub.calls(SESSIONS)
    assert first.idempotency_key == second.idempotency_key
    assert session["id"] == stripe_stub.created("checkout.session")[0]["id"]


async def test_missing_keys_unknown_ids_and_paid_orders(
    start_shop: Start, make_item: Factory, make_order: Factory, db: asyncpg.Connection
) -> None:
    client = await start_shop(stripe_secret_keys={"USD": "sk_test_usd"}, stripe_publishable_keys={})
    gbp = await make_item(client, "Scarf", "30.00", "GBP")
    for path in (f"/buy/{gbp['id']}", f"/payment-intent/item/{gbp['id']}"):
        response = await client.get(path)
        assert response.status == 503
        error = (await response.json())["error"]
        assert error["code"] == "CONFIGURATION_ERROR"
        assert "STRIPE_SECRET_KEY_GBP" in error["description"]
    usd = await make_item(client, "Mug", "12.50")
    response = await client.get(f"/payment-intent/item/{usd['id']}")
    assert response.status == 503
    assert "STRIPE_PUBLISHABLE_KEY_USD" in (await response.json())["error"]["description"]
    for path in ("/buy/424242", "/buy/order/424242", "/payment-intent/order/9", "/buy/x"):
        assert (await client.get(path)).status == 404, path
    order = await make_order(client, [(usd["id"], 2)])
    await db.execute("UPDATE shop_orders SET paid = true")
    response = await client.get(f"/buy/order/{order['id']}")
    assert response.status == 400


async def test_checkout_then_webhook_marks_the_order_paid(
    start_shop: Start,
    stripe_stub: StripeStub,
    make_item: Factory,
    make_order: Factory,
    admin_headers: dict[str, str],
) -> None:
    client = await start_shop(stripe_webhook_secret=SECRET)
    item = await make_item(client, "Mug", "12.50")
    order = await make_order(client, [(item["id"], 2)])
    session = await buy(client, f"/buy/order/{order['id']}")
    payload, signature = signed(completed("evt_e2e", session["id"], f"order:{order['id']}"))
    for _ in range(2):
        response = await client.post(
            "/stripe/webhook", data=payload, headers={"Stripe-Signature": signature}
        )
        assert response.status == 200
    fetched = await client.get(f"/api/shop/orders/{order['id']}", headers=admin_headers)
    assert (await fetched.json())["paid"] is True
    assert (await client.get(f"/buy/order/{order['id']}")).status == 400
