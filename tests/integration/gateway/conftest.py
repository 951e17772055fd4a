"""Fixtures of the gateway tests: merchant credentials, orders, settled payments."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from payserv.gateway.merchants import TEST_API_KEY, TEST_API_SECRET, create_merchant
from tests.conftest import TEST_SECRET_KEY
from tests.helpers.webhook_receiver import Receiver, start_receiver, wait_until

MERCHANT = {"X-Api-Key": TEST_API_KEY, "X-Api-Secret": TEST_API_SECRET}
Client = TestClient[web.Request, web.Application]
VISA = "4111111111111111"


def card(number: str = VISA, **overrides: Any) -> dict[str, Any]:
    """A card payment-method object, valid unless overridden."""
    return {
        "number": number,
        "expiry_month": "12",
        "expiry_year": "2099",
        "cvv": "123",
        "holder_name": "John Doe",
        **overrides,
    }


@pytest.fixture
async def receiver(aiohttp_server: Callable[..., Awaitable[TestServer]]) -> Receiver:
    """A running webhook receiver at ``receiver.url``."""
    return await start_receiver(aiohttp_server)


@pytest.fixture
async def other_merchant(db: asyncpg.Connection) -> dict[str, str]:
    """Headers of a second merchant, for "someone else's object is a 404"."""
    credentials = await create_merchant(db, "other@example.com", None, TEST_SECRET_KEY)
    return {"X-Api-Key": credentials.api_key, "X-Api-Secret": credentials.api_secret}


async def create_order(
    client: Client, headers: dict[str, str] = MERCHANT, **fields: Any
) -> dict[str, Any]:
    """A created order (201), ``fields`` over a valid default body."""
    response = await client.post(
        "/api/v1/orders", json={"amount": 50000, "currency": "INR", **fields}, headers=headers
    )
    assert response.status == 201, await response.text()
    order: dict[str, Any] = await response.json()
    return order


async def create_payment(
    client: Client, order_id: str, headers: dict[str, str] = MERCHANT, **fields: Any
) -> dict[str, Any]:
    """A pending UPI payment of ``order_id`` (201), ``fields`` overriding the body."""
    body = {"order_id": order_id, "method": "upi", "vpa": "user@paytm", **fields}
    response = await client.post("/api/v1/payments", json=body, headers=headers)
    assert response.status == 201, await response.text()
    payment: dict[str, Any] = await response.json()
    return payment


async def settled_payment(
    client: Client, payment_id: str, headers: dict[str, str] = MERCHANT
) -> dict[str, Any]:
    """The payment once its processing job has settled it."""

    async def check() -> dict[str, Any] | None:
        response = await client.get(f"/api/v1/payments/{payment_id}", headers=headers)
        body: dict[str, Any] = await response.json()
        return body if body["status"] != "pending" else None

    result: dict[str, Any] = await wait_until(check)
    return result


async def successful_payment(client: Client, amount: int = 50000) -> dict[str, Any]:
    """A settled ``success`` payment of a new order (the test VPA always succeeds)."""
    order = await create_order(client, amount=amount)
    payment = await create_payment(client, order["id"], vpa="success@razorpay")
    settled = await settled_payment(client, payment["id"])
    assert settled["status"] == "success"
    return settled
