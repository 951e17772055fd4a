"""Postgres restarts under load: 503 while down, recovery by itself, nothing lost (DESIGN §1).

A real ``run.py serve`` on a Postgres of this test's own gets a steady stream of bank
webhooks and gateway orders while the server is stopped and started again.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from payserv.bootstrap import prepare_database
from payserv.database import connect
from tests.conftest import base_settings
from tests.helpers.db import start_server, stop_server
from tests.helpers.processes import running
from tests.helpers.webhook_receiver import wait_until
from tests.integration.gateway.conftest import MERCHANT

INN = "7707083893"
CLIENTS = 4


@dataclass
class Load:
    """What the clients sent and got back."""

    acked_operations: list[str] = field(default_factory=list)
    acked_orders: list[str] = field(default_factory=list)
    statuses: list[tuple[float, int]] = field(default_factory=list)
    unavailable_bodies: list[Any] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    stop: asyncio.Event = field(default_factory=asyncio.Event)


async def _one_request(http: aiohttp.ClientSession, url: str, load: Load, n: int) -> None:
    if n % 2:
        operation_id = str(uuid.uuid4())
        body = {
            "operation_id": operation_id,
            "amount": 100,
            "payer_inn": INN,
            "document_number": f"D-{n}",
            "document_date": "2026-11-23T10:00:00Z",
        }
        path = "/api/webhook/bank/"
    else:
        body, path = {"amount": 500}, "/api/v1/orders"
    async with http.post(url + path, json=body, headers=MERCHANT) as response:
        payload = await response.json()
        load.statuses.append((time.monotonic(), response.status))
    if response.status == 503:
        load.unavailable_bodies.append(payload)
    elif path == "/api/v1/orders" and response.status == 201:
        load.acked_orders.append(payload["id"])
    elif response.status == 200:
        load.acked_operations.append(operation_id)


async def _client(url: str, load: Load) -> None:
    n = 0
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=20)) as http:
        while not load.stop.is_set():
            n += 1
            try:
                await _one_request(http, url, load, n)
            except (aiohttp.ClientError, TimeoutError) as exc:
                load.failures.append(repr(exc))
            await asyncio.sleep(0.01)


async def test_postgres_restart_under_load(own_server: Any) -> None:
    dsn = own_server.get_uri()
    conn = await connect(dsn)
    await prepare_database(conn, base_settings())
    await conn.close()
    load = Load()
    async with running("serve", dsn, TEST_PROCESSING_DELAY="0", TEST_PAYMENT_SUCCESS="true") as app:
        clients = [asyncio.create_task(_client(app.url, load)) for _ in range(CLIENTS)]
        await wait_until(lambda: _count_ok(load, since=0.0, at_least=20), timeout=30)
        await asyncio.to_thread(stop_server, own_server)
        down_at = time.monotonic()
        await wait_until(lambda: _count(load, 503, since=down_at, at_least=10), timeout=30)
        await asyncio.to_thread(start_server, own_server)
        up_at = time.monotonic()
        await wait_until(lambda: _count_ok(load, since=up_at, at_least=50), timeout=30)
        load.stop.set()
        await asyncio.gather(*clients)
        recovered_after = min(t for t, s in load.statuses if t > up_at and s < 300) - up_at

        async with aiohttp.ClientSession(headers=MERCHANT) as http:
            # A job deferred after the restart runs: a payment settles.
            payment = await _create_payment(http, app.url)

            async def settled() -> bool:
                async with http.get(f"{app.url}/api/v1/payments/{payment}") as response:
                    return (await response.json())["status"] == "success"

            await wait_until(settled, timeout=30)

    assert load.failures == [], "payserv must answer every request, also while the DB is down"
    assert {s for _, s in load.statuses} <= {200, 201, 503}
    assert all(b["error"]["code"] == "SERVICE_UNAVAILABLE" for b in load.unavailable_bodies)
    assert recovered_after < 30
    conn = await connect(dsn)
    try:
        stored_ops = await conn.fetchval(
            "SELECT count(*) FROM bank_operations WHERE operation_id = ANY($1::uuid[])",
            load.acked_operations,
        )
        stored_orders = await conn.fetchval(
            "SELECT count(*) FROM gateway_orders WHERE id = ANY($1::text[])", load.acked_orders
        )
        balance = await conn.fetchval("SELECT balance FROM bank_organizations WHERE inn = $1", INN)
        operations = await conn.fetchval("SELECT count(*) FROM bank_operations")
    finally:
        await conn.close()
    assert stored_ops == len(load.acked_operations) > 0
    assert stored_orders == len(load.acked_orders) > 0
    # The balance is exactly the credited operations (a 503 never half-credits).
    assert balance == 100 * operations


async def _count(load: Load, status: int, since: float, at_least: int) -> bool:
    return sum(1 for t, s in load.statuses if t > since and s == status) >= at_least


async def _count_ok(load: Load, since: float, at_least: int) -> bool:
    return sum(1 for t, s in load.statuses if t > since and s < 300) >= at_least


async def _create_payment(http: aiohttp.ClientSession, url: str) -> str:
    async with http.post(f"{url}/api/v1/orders", json={"amount": 700}) as response:
        order = await response.json()
    body = {"order_id": order["id"], "method": "upi", "vpa": "after@restart"}
    async with http.post(f"{url}/api/v1/payments", json=body) as response:
        assert response.status == 201
        payment: str = (await response.json())["id"]
    return payment
