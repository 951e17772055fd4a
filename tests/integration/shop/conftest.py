"""Shop fixtures: a superuser's headers and catalog factories over the JSON API."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, unused_port

from payserv.app import create_app
from payserv.settings import Settings
from tests.conftest import AppFactory, UserFactory
from tests.integration.shop.stripe_stub import StripeStub, stub_app

Client = TestClient[web.Request, web.Application]


@pytest.fixture
async def admin_headers(make_user: UserFactory) -> dict[str, str]:
    _, headers = await make_user("shop_admin", superuser=True)
    return headers


async def post_ok(client: Client, path: str, body: dict[str, Any], headers: dict[str, str]) -> Any:
    """POST and require a 201; returns the JSON body."""
    response = await client.post(path, json=body, headers=headers)
    assert response.status == 201, await response.text()
    return await response.json()


Factory = Callable[..., Awaitable[Any]]


@pytest.fixture
def make_item(admin_headers: dict[str, str]) -> Factory:
    """``await make_item(client, "Mug", "12.50", "USD")`` → the item JSON."""

    async def make(client: Client, name: str, price: Any, currency: str = "USD") -> Any:
        body = {"name": name, "description": f"{name} description", "price": price}
        return await post_ok(
            client, "/api/shop/items", {**body, "currency": currency}, admin_headers
        )

    return make


@pytest.fixture
def make_order(admin_headers: dict[str, str]) -> Factory:
    """``await make_order(client, [(item_id, qty)], discount_id=…, tax_ids=[…])``."""

    async def make(
        client: Client,
        lines: list[tuple[int, int]],
        discount_id: int | None = None,
        tax_ids: list[int] | None = None,
    ) -> Any:
        body: dict[str, Any] = {
            "items": [{"item_id": item_id, "quantity": qty} for item_id, qty in lines]
        }
        if discount_id is not None:
            body["discount_id"] = discount_id
        if tax_ids:
            body["tax_ids"] = tax_ids
        return await post_ok(client, "/api/shop/orders", body, admin_headers)

    return make


@pytest.fixture
async def stripe_stub(
    aiohttp_server: Callable[..., Awaitable[Any]],
) -> StripeStub:
    """A local Stripe-compatible server; ``stripe_stub.url`` is its base."""
    stub = StripeStub()
    server = await aiohttp_server(stub_app(stub))
    stub.url = str(server.make_url("")).rstrip("/")
    return stub


STRIPE_KEYS = {"USD": "sk_test_usd", "EUR": "sk_test_eur", "": "sk_test_default"}
PUBLISHABLE_KEYS = {"USD": "pk_test_usd", "EUR": "pk_test_eur", "": "pk_test_default"}


@pytest.fixture
def start_shop(start_app: AppFactory, stripe_stub: StripeStub) -> Callable[..., Awaitable[Client]]:
    """Start payserv with a keypair per currency pointed at the stub."""

    async def start(**overrides: Any) -> Client:
        settings: dict[str, Any] = {
            "stripe_secret_keys": STRIPE_KEYS,
            "stripe_publishable_keys": PUBLISHABLE_KEYS,
            "stripe_api_base": stripe_stub.url,
            "stripe_timeout": 2.0,
            **overrides,
        }
        return await start_app(run_worker=False, **settings)

    return start


@pytest.fixture
def start_sandbox(
    settings: Settings, aiohttp_client: Callable[..., Awaitable[Client]]
) -> Callable[..., Awaitable[Client]]:
    """payserv with PAYSERV_SANDBOX and no Stripe keys, on a port known before it starts.

    The sandbox reaches itself at ``http://127.0.0.1:$PORT`` (the shop's Stripe client and
    the webhook it sends), so the port is chosen first, as ``PORT`` would be.
    """

    async def start(**overrides: Any) -> Client:
        port = unused_port()
        app_settings = replace(settings, sandbox=True, port=port, stripe_timeout=5.0, **overrides)
        assert app_settings.database_url is not None
        app = create_app(app_settings, app_settings.database_url, run_worker=False)
        return await aiohttp_client(app, server_kwargs={"port": port})

    return start
