"""Postgres stops and starts under load; a live ``run.py serve`` rides it out (DESIGN §1).

While the database is down every answer is a 2xx or ``503 SERVICE_UNAVAILABLE`` (never a
500 or a dropped connection); once it is back payserv recovers by itself, jobs deferred
before, during and after the outage run, and nothing acknowledged with a 2xx is lost.
"""

from __future__ import annotations

import asyncio
import json
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bench.bank import valid_inns
from payserv.database import connect
from tests.helpers.db import start_embedded_server, start_server, stop_server
from tests.helpers.processes import (
    MERCHANT,
    Payserv,
    Receiver,
    create_payment,
    receiving,
    running,
    wait_for,
)

CLIENTS = 4
OUTAGE_SECONDS = 3
INNS = valid_inns(5, random.Random(7))


@pytest.fixture
def own_server(tmp_path: Path) -> Iterator[Any]:
    """A Postgres of this test's own, so stopping it disturbs no other test."""
    server = start_embedded_server(tmp_path / "pgdata")
    yield server
    server.cleanup()


@dataclass
class Traffic:
    """What the clients sent and what payserv answered."""

    ok: int = 0
    unavailable: int = 0
    bad: list[str] = field(default_factory=list)
    credits: dict[str, int] = field(default_factory=dict)  # acknowledged operation → amount
    orders: list[str] = field(default_factory=list)
    payments: list[str] = field(default_factory=list)

    async def post(
        self, http: aiohttp.ClientSession, url: str, body: dict[str, Any]
    ) -> dict[str, Any] | None:
        """The JSON of a 2xx; None after a 503 SERVICE_UNAVAILABLE; anything else is bad."""
        try:
            async with http.post(url, json=body) as response:
                status, text = response.status, await response.text()
            payload = _json(text)
        except (aiohttp.ClientError, ValueError) as exc:
            self.bad.append(f"POST {url}: {exc!r}")
            return None
        if 200 <= status < 300:
            self.ok += 1
            return payload
        if status == 503 and payload.get("error", {}).get("code") == "SERVICE_UNAVAILABLE":
            self.unavailable += 1
            return None
        self.bad.append(f"POST {url}: {status} {text}")
        return None

    async def client(self, http: aiohttp.ClientSession, url: str, stop: asyncio.Event) -> None:
        """Bank webhooks, gateway orders and payments, one after another, until ``stop``."""
        rng = random.Random()
        while not stop.is_set():
            operation_id, amount = str(uuid.uuid4()), rng.randint(1, 1000)
            operation = {
                "operation_id": operation_id,
                "amount": amount,
                "payer_inn": rng.choice(INNS),
                "document_number": "CHAOS-1",
                "document_date": "2026-11-23T10:00:00Z",
            }
            if await self.post(http, f"{url}/api/webhook/bank/", operation):
                self.credits[operation_id] = amount
            order = await self.post(http, f"{url}/api/v1/orders", {"amount": 1000})
            if order is None:
                continue
            self.orders.append(order["id"])
            vpa = rng.choice(("success@razorpay", "failure@razorpay"))
            body = {"order_id": order["id"], "method": "upi", "vpa": vpa}
            if payment := await self.post(http, f"{url}/api/v1/payments", body):
                self.payments.append(payment["id"])


def _json(text: str) -> dict[str, Any]:
    value = json.loads(text)
    if not isinstance(value, dict):
        raise ValueError(f"not a JSON object: {text[:200]}")
    return value


async def test_postgres_restart_under_load_gives_503_then_recovers_losing_nothing(
    own_server: Any, tmp_path: Path
) -> None:
    dsn = own_server.get_uri()
    async with (
        receiving() as receiver,
        running(
            "serve",
            dsn,
            tmp_path / "payserv.log",
            TEST_MERCHANT_WEBHOOK_URL=receiver.url,
            # A job running when the database went away stays doing (its end could not be
            # recorded) until its worker's heartbeat is this old: keep that short here.
            STALLED_JOB_SECONDS="3",
        ) as payserv,
        aiohttp.ClientSession(headers=MERCHANT) as http,
    ):
        traffic = Traffic()
        stop = asyncio.Event()
        clients = [
            asyncio.create_task(traffic.client(http, payserv.url, stop)) for _ in range(CLIENTS)
        ]
        try:
            await _outage(own_server, payserv, http, traffic)
        finally:
            stop.set()
            await asyncio.gather(*clients)
        assert traffic.bad == [], payserv.output()

        # A job deferred after the recovery runs, and its webhooks are delivered.
        after = await create_payment(http, payserv.url, 5000, "success@razorpay")
        await _await_settled(dsn, receiver, [after, *traffic.payments])
        await _assert_nothing_lost(dsn, traffic)


async def _outage(
    server: Any, payserv: Payserv, http: aiohttp.ClientSession, traffic: Traffic
) -> None:
    async def answered(count: int) -> bool:
        return traffic.ok >= count

    await wait_for(lambda: answered(60), "60 requests served before the stop", 60)
    await asyncio.to_thread(stop_server, server)
    unavailable = traffic.unavailable

    async def refused(count: int) -> bool:
        return traffic.unavailable >= count

    await wait_for(lambda: refused(unavailable + 20), "20 answers 503 while down", 30)
    # The outage itself lasts a while: long enough for jobs and the worker to hit it.
    await asyncio.sleep(OUTAGE_SECONDS)
    async with http.get(f"{payserv.url}/health") as response:
        assert response.status == 503
        assert (await response.json())["status"] == "unhealthy"

    await asyncio.to_thread(start_server, server)
    served = traffic.ok
    # Recovery by itself: no restart of payserv, only a generous deadline.
    await wait_for(lambda: answered(served + 30), "30 requests served after the start", 30)

    async def healthy() -> bool:
        async with http.get(f"{payserv.url}/health") as response:
            return response.status == 200 and (await response.json())["status"] == "healthy"

    await wait_for(healthy, "/health is healthy again (worker heartbeat)", 30)
    assert payserv.process.poll() is None


async def _await_settled(dsn: str, receiver: Receiver, payment_ids: list[str]) -> None:
    conn = await connect(dsn)
    try:

        async def settled() -> bool:
            pending = await conn.fetchval(
                "SELECT count(*) FROM gateway_payments WHERE status NOT IN ('success', 'failed')"
            )
            return pending == 0

        await wait_for(settled, "every payment settled", 60, interval=0.2)

        async def delivered() -> bool:
            return receiver.delivered(payment_ids)

        await wait_for(delivered, "every payment's webhooks delivered", 60, interval=0.2)

        async def idle() -> bool:
            doing = await conn.fetchval(
                "SELECT count(*) FROM procrastinate_jobs WHERE status IN ('doing', 'todo')"
                " AND task_name LIKE 'gateway.%' AND task_name NOT LIKE '%idempotency%'"
            )
            return doing == 0

        await wait_for(idle, "no gateway job left to do", 30, interval=0.2)
    finally:
        await conn.close()


async def _assert_nothing_lost(dsn: str, traffic: Traffic) -> None:
    conn = await connect(dsn)
    try:
        operations = await conn.fetch("SELECT operation_id::text, amount FROM bank_operations")
        stored = {row["operation_id"]: row["amount"] for row in operations}
        orders = {r[0] for r in await conn.fetch("SELECT id FROM gateway_orders")}
        payments = {r[0] for r in await conn.fetch("SELECT id FROM gateway_payments")}
        # Each balance is exactly its ledger: no credit half-applied by the cut.
        mismatched = await conn.fetch(
            """SELECT o.inn FROM bank_organizations o
               LEFT JOIN (SELECT payer_inn, sum(amount) AS total FROM bank_operations
                          GROUP BY payer_inn) s ON s.payer_inn = o.inn
               LEFT JOIN (SELECT inn, sum(delta) AS total FROM bank_balance_log
                          GROUP BY inn) l ON l.inn = o.inn
               WHERE o.balance IS DISTINCT FROM s.total OR o.balance IS DISTINCT FROM l.total"""
        )
    finally:
        await conn.close()
    # A 503 may come after a commit (the reply was lost), so the database may hold more.
    assert {op: stored.get(op) for op in traffic.credits} == traffic.credits
    assert set(traffic.orders) <= orders
    assert set(traffic.payments) <= payments
    assert mismatched == []
