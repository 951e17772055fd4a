"""Orders: shape, validation, scoping, lists, credentials (DESIGN §4, §2, §3)."""

from __future__ import annotations

import re

import asyncpg
import pytest

from payserv.gateway.merchants import TEST_API_KEY, TEST_MERCHANT_ID
from tests.conftest import AppFactory
from tests.integration.gateway.conftest import MERCHANT, create_order

ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


async def test_create_and_read_an_order(start_app: AppFactory) -> None:
    client = await start_app(run_worker=False)
    body = {"amount": 50000, "currency": "INR", "receipt": "r_1", "notes": {"customer": "Jo"}}
    response = await client.post("/api/v1/orders", json=body, headers=MERCHANT)
    assert response.status == 201
    order = await response.json()
    assert re.fullmatch(r"order_[A-Za-z0-9]{16}", order["id"])
    assert order["merchant_id"] == str(TEST_MERCHANT_ID)
    assert {k: order[k] for k in body} == body
    assert order["status"] == "created"
    assert ISO_Z.match(order["created_at"]) and ISO_Z.match(order["updated_at"])

    read = await client.get(f"/api/v1/orders/{order['id']}", headers=MERCHANT)
    assert read.status == 200
    assert await read.json() == order


async def test_defaults_currency_inr_and_empty_notes(start_app: AppFactory) -> None:
    client = await start_app(run_worker=False)
    response = await client.post("/api/v1/orders", json={"amount": 100}, headers=MERCHANT)
    order = await response.json()
    assert (order["currency"], order["notes"], order["receipt"]) == ("INR", {}, None)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"amount": 99}, "amount"),
        ({"amount": 0}, "amount"),
        ({"amount": -500}, "amount"),
        ({"amount": "50000"}, "amount"),
        ({"amount": 500.5}, "amount"),
        ({"amount": True}, "amount"),
        ({"amount": 10**12 + 1}, "amount"),
        ({}, "amount"),
        ({"amount": 500, "currency": "RUPEE"}, "currency"),
        ({"amount": 500, "currency": "I1R"}, "currency"),
        ({"amount": 500, "currency": 356}, "currency"),
        ({"amount": 500, "receipt": "r" * 41}, "receipt"),
        ({"amount": 500, "receipt": 12}, "receipt"),
        ({"amount": 500, "notes": ["a"]}, "notes"),
        ({"amount": 500, "notes": {f"k{i}": i for i in range(16)}}, "notes"),
    ],
)
async def test_invalid_orders_are_400_naming_the_field(
    start_app: AppFactory, body: dict[str, object], field: str
) -> None:
    client = await start_app(run_worker=False)
    response = await client.post("/api/v1/orders", json=body, headers=MERCHANT)
    assert response.status == 400
    error = (await response.json())["error"]
    assert (error["code"], error["field"]) == ("BAD_REQUEST_ERROR", field)


async def test_lowercase_currency_is_normalized_and_boundaries_accepted(
    start_app: AppFactory,
) -> None:
    client = await start_app(run_worker=False)
    order = await create_order(
        client,
        amount=10**12,
        currency="usd",
        receipt="r" * 40,
        notes={f"k{i}": i for i in range(15)},
    )
    assert (order["amount"], order["currency"]) == (10**12, "USD")


async def test_malformed_json_is_400(start_app: AppFactory) -> None:
    client = await start_app(run_worker=False)
    response = await client.post("/api/v1/orders", data=b"{not json", headers=MERCHANT)
    assert response.status == 400
    assert (await response.json())["error"]["code"] == "BAD_REQUEST_ERROR"


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Api-Key": TEST_API_KEY},
        {"X-Api-Key": TEST_API_KEY, "X-Api-Secret": "wrong"},
        {"X-Api-Key": "key_nobody", "X-Api-Secret": "secret_test_xyz789"},
    ],
)
async def test_wrong_credentials_are_401(start_app: AppFactory, headers: dict[str, str]) -> None:
    client = await start_app(run_worker=False)
    for method, path in [("POST", "/api/v1/orders"), ("GET", "/api/v1/orders")]:
        response = await client.request(method, path, json={"amount": 500}, headers=headers)
        assert response.status == 401
        assert (await response.json())["error"]["code"] == "AUTHENTICATION_ERROR"


@pytest.mark.parametrize("idempotency_key", [None, "key-1"])
async def test_credentials_are_checked_before_the_body_and_nothing_is_written(
    start_app: AppFactory, db: asyncpg.Connection, idempotency_key: str | None
) -> None:
    # Without a key, one statement authenticates and inserts; with one, the key path does.
    client = await start_app(run_worker=False)
    wrong = {"X-Api-Key": TEST_API_KEY, "X-Api-Secret": "wrong"}
    if idempotency_key is not None:
        wrong["Idempotency-Key"] = idempotency_key
    for body in ({"amount": 500}, {"amount": -1}, {"amount": "many"}):
        response = await client.post("/api/v1/orders", json=body, headers=wrong)
        assert response.status == 401, body
    bad_body = await client.post("/api/v1/orders", data=b"{not json", headers=wrong)
    assert bad_body.status == 401
    assert await db.fetchval("SELECT count(*) FROM gateway_orders") == 0


async def test_another_merchants_order_is_404_and_absent_from_lists(
    start_app: AppFactory, other_merchant: dict[str, str]
) -> None:
    client = await start_app(run_worker=False)
    order = await create_order(client)
    response = await client.get(f"/api/v1/orders/{order['id']}", headers=other_merchant)
    assert response.status == 404
    assert (await response.json())["error"]["code"] == "NOT_FOUND_ERROR"
    listed = await (await client.get("/api/v1/orders", headers=other_merchant)).json()
    assert (listed["data"], listed["total"]) == ([], 0)
    missing = await client.get("/api/v1/orders/order_doesnotexist0000", headers=MERCHANT)
    assert missing.status == 404


async def test_list_is_newest_first_and_paginated(start_app: AppFactory) -> None:
    client = await start_app(run_worker=False)
    ids = [(await create_order(client, receipt=f"r{i}"))["id"] for i in range(5)]
    page = await (await client.get("/api/v1/orders?limit=2&offset=1", headers=MERCHANT)).json()
    assert [o["id"] for o in page["data"]] == [ids[3], ids[2]]
    assert (page["total"], page["limit"], page["offset"]) == (5, 2, 1)
    for bad in ("limit=0", "limit=101", "offset=-1", "limit=x"):
        response = await client.get(f"/api/v1/orders?{bad}", headers=MERCHANT)
        assert response.status == 400, bad
