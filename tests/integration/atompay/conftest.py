"""AtomPay fixtures: the simulator on a local port and payserv configured to use it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer, unused_port

from payserv.app import create_app
from payserv.atompay import client as atompay_client
from payserv.settings import Settings
from tests.conftest import AppFactory
from tests.fakes.atompay_server import (
    AUTH_PATH,
    STATUS_PATH,
    AtomPaySimConfig,
    make_atompay_app,
)

CHECKOUT_JS_URL = "https://pgtest.atomtech.in/staticdata/ots/js/atomcheckout.js"
Client = TestClient[web.Request, web.Application]
Start = Callable[..., Awaitable[Client]]


@dataclass
class Sim:
    """The running simulator and the settings that point payserv at it."""

    config: AtomPaySimConfig
    server: TestServer

    def settings(self, **extra: str) -> dict[str, str]:
        config = self.config
        return {
            "ATOMPAY_MERCH_ID": config.merch_id,
            "ATOMPAY_PASSWORD": config.password,
            "ATOMPAY_PRODUCT": config.product,
            "ATOMPAY_REQ_ENC_KEY": config.req_enc_key,
            "ATOMPAY_RES_ENC_KEY": config.res_enc_key,
            "ATOMPAY_REQ_HASH_KEY": config.req_hash_key,
            "ATOMPAY_RES_HASH_KEY": config.res_hash_key,
            "ATOMPAY_AUTH_URL": str(self.server.make_url(AUTH_PATH)),
            "ATOMPAY_STATUS_URL": str(self.server.make_url(STATUS_PATH)),
            "ATOMPAY_CHECKOUT_JS_URL": CHECKOUT_JS_URL,
            **extra,
        }


@pytest.fixture(autouse=True)
def short_atompay_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    """The simulator stalls 10 s in timeout mode; payserv gives up after 1 s here."""
    monkeypatch.setattr(atompay_client, "REQUEST_TIMEOUT_SECONDS", 1.0)


@pytest.fixture
async def sim(aiohttp_server: Callable[..., Awaitable[TestServer]]) -> Sim:
    config = AtomPaySimConfig()
    return Sim(config=config, server=await aiohttp_server(make_atompay_app(config)))


@pytest.fixture
def start_atompay(start_app: AppFactory, sim: Sim) -> Start:
    """payserv with AtomPay pointed at the simulator (no worker unless asked)."""

    async def start(*, run_worker: bool = False, **overrides: Any) -> Client:
        atompay = overrides.pop("atompay", None) or sim.settings()
        return await start_app(run_worker=run_worker, atompay=atompay, **overrides)

    return start


@pytest.fixture
def start_sandbox(settings: Settings, aiohttp_client: Callable[..., Awaitable[Client]]) -> Start:
    """payserv with PAYSERV_SANDBOX on and no ATOMPAY_* (``start_app`` listens on a random
    port): it listens on $PORT, so the default sandbox URL, 127.0.0.1:$PORT, is its own."""

    async def start(*, run_worker: bool = False, **overrides: Any) -> Client:
        port = unused_port()
        app_settings = replace(settings, **{"sandbox": True, "port": port, **overrides})
        assert app_settings.database_url is not None
        app = create_app(app_settings, app_settings.database_url, run_worker=run_worker)
        return await aiohttp_client(app, server_kwargs={"port": port})

    return start


EventFactory = Callable[..., Awaitable[int]]


@pytest.fixture
def make_event(db: asyncpg.Connection) -> EventFactory:
    """Insert an event: ``event_id = await make_event(fee="150.00", kind="solo")``."""

    async def make(fee: str = "150.00", kind: str = "solo", name: str = "Event") -> int:
        return int(
            await db.fetchval(
                "INSERT INTO events (name, fee, kind) VALUES ($1, $2, $3) RETURNING id",
                name,
                Decimal(fee),
                kind,
            )
        )

    return make


def payment_body(event_id: int, **extra: Any) -> dict[str, Any]:
    """A valid ``POST /atompay`` body for a solo event."""
    return {
        "event_id": event_id,
        "event_type": "solo",
        "email": "asha@example.com",
        "phone": "9876543210",
        **extra,
    }


async def start_payment(client: Client, headers: dict[str, str], event_id: int) -> dict[str, Any]:
    """POST /atompay that must succeed; returns its body."""
    response = await client.post("/atompay", json=payment_body(event_id), headers=headers)
    assert response.status == 200, await response.text()
    return dict(await response.json())
