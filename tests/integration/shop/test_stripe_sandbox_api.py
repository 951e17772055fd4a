"""The Stripe sandbox's API as Stripe behaves: key check, Idempotency-Key, errors, signatures."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Awaitable, Callable

import asyncpg

from payserv.context import SETTINGS
from payserv.shop import sandbox
from tests.integration.shop.conftest import Client, Factory
from tests.integration.shop.test_webhook import completed, signed

Start = Callable[..., Awaitable[Client]]
AUTH = {"Authorization": f"Bearer {sandbox.SECRET_KEY}"}
COUPONS = "/sandbox/stripe/v1/coupons"


async def test_the_key_is_checked(start_sandbox: Start) -> None:
    client = await start_sandbox()
    for headers in ({}, {"Authorization": "Bearer sk_test_other"}):
        response = await client.post(COUPONS, data={"percent_off": "10"}, headers=headers)
        assert response.status == 401
        assert (await response.json())["error"]["type"] == "invalid_request_error"
    as_user = base64.b64encode(f"{sandbox.SECRET_KEY}:".encode()).decode()  # curl -u key:
    basic = await client.post(
        COUPONS, data={"percent_off": "10"}, headers={"Authorization": f"Basic {as_user}"}
    )
    assert basic.status == 200


async def test_idempotency_key_replays_the_first_object(start_sandbox: Start) -> None:
    client = await start_sandbox()
    headers = {**AUTH, "Idempotency-Key": "key-1"}
    first = await client.post(
        COUPONS, data={"percent_off": "12.5", "name": "Promo"}, headers=headers
    )
    again = await client.post(
        COUPONS, data={"percent_off": "12.5", "name": "Promo"}, headers=headers
    )
    assert first.status == again.status == 200
    coupon = await first.json()
    assert coupon["object"] == "coupon" and coupon["percent_off"] == 12.5
    assert await again.json() == coupon and again.headers["Idempotent-Replayed"] == "true"
    other = await client.post(COUPONS, data={"percent_off": "50"}, headers=headers)
    assert other.status == 400
    assert (await other.json())["error"]["type"] == "idempotency_error"
    fetched = await client.get(f"{COUPONS}/{coupon['id']}", headers=AUTH)
    assert await fetched.json() == coupon


async def test_concurrent_requests_with_one_key_make_one_object(
    start_sandbox: Start, db: asyncpg.Connection
) -> None:
    client = await start_sandbox()
    headers = {**AUTH, "Idempotency-Key": "raced"}
    responses = await asyncio.gather(
        *(client.post(COUPONS, data={"percent_off": "20"}, headers=headers) for _ in range(10))
    )
    assert [response.status for response in responses] == [200] * 10
    assert len({(await response.json())["id"] for response in responses}) == 1
    assert await db.fetchval("SELECT count(*) FROM stripe_sandbox_objects") == 1


async def test_stripe_shaped_errors(start_sandbox: Start) -> None:
    client = await start_sandbox()
    sessions = "/sandbox/stripe/v1/checkout/sessions"
    missing = await client.get(f"{sessions}/cs_test_sandbox_nope", headers=AUTH)
    assert missing.status == 404
    assert (await missing.json())["error"]["code"] == "resource_missing"
    unknown_coupon = {
        "mode": "payment",
        "success_url": "http://127.0.0.1/success",
        "line_items[0][price_data][currency]": "usd",
        "line_items[0][price_data][unit_amount]": "100",
        "line_items[0][price_data][product_data][name]": "Mug",
        "line_items[0][quantity]": "1",
        "discounts[0][coupon]": "coupon_nope",
    }
    refused = await client.post(sessions, data=unknown_coupon, headers=AUTH)
    error = (await refused.json())["error"]
    assert refused.status == 400 and error["param"] == "discounts[0][coupon]"
    no_amount = await client.post("/sandbox/stripe/v1/payment_intents", data={}, headers=AUTH)
    assert (await no_amount.json())["error"]["param"] == "amount"


async def test_webhook_still_refuses_a_bad_signature(
    start_sandbox: Start, make_item: Factory
) -> None:
    client = await start_sandbox()
    event = completed("evt_forged", "cs_test_sandbox_x", "item:1")
    for secret in ("whsec_guess", sandbox.SECRET_KEY):
        payload, header = signed(event, secret=secret)
        response = await client.post(
            "/stripe/webhook", data=payload, headers={"Stripe-Signature": header}
        )
        assert response.status == 400, secret
    assert sandbox.webhook_secret(client.app[SETTINGS])


async def test_an_explicit_webhook_secret_is_the_one_signed_with(
    start_sandbox: Start, make_item: Factory
) -> None:
    client = await start_sandbox(stripe_webhook_secret="whsec_mine")
    item = await make_item(client, "Cup", "5.00")
    session = await (await client.get(f"/buy/{item['id']}")).json()
    paid = await client.post(
        f"/sandbox/stripe/v1/test_helpers/checkout/sessions/{session['id']}/pay", headers=AUTH
    )
    assert paid.status == 200, await paid.text()
    payload, header = signed(
        completed("evt_mine", session["id"], f"item:{item['id']}"), secret="whsec_mine"
    )
    mine = await client.post("/stripe/webhook", data=payload, headers={"Stripe-Signature": header})
    assert json.loads(await mine.text())["status"] == "ignored"  # verified; already paid
