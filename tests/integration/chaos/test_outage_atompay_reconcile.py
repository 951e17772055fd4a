"""A Postgres outage while AtomPay's reconciliation runs loses no payment (§8, §9).

Payments stay ``initiated`` (their callback never comes). Reconciliation asks AtomPay's
status API about them; Postgres stops while those calls are in flight, so the answers
(success) reach payserv when it cannot store them. Once the database is back, later runs
settle every payment, and no run is recorded as failed for the outage.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer
from aiohttp.typedefs import Handler

from payserv.database import connect
from tests.fakes.atompay_server import STATUS_PATH, AtomPaySimConfig, make_atompay_app
from tests.helpers.processes import database_down, post_json, running, user_headers, wait_for
from tests.integration.atompay.conftest import Sim, payment_body

PAYMENTS = 20
OUTAGE_SECONDS = 8
HELD_AT_STOP = 5


@dataclass
class Gate:
    """Holds status calls until opened; counts how many it holds and has let through."""

    opened: asyncio.Event = field(default_factory=asyncio.Event)
    held: int = 0
    released: int = 0

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path == STATUS_PATH and not self.opened.is_set():
            self.held += 1
            await self.opened.wait()
            self.released += 1
        return await handler(request)


async def test_outage_during_reconciliation_then_every_payment_settles(
    own_server: Any,
    tmp_path: Path,
    aiohttp_server: Callable[[web.Application], Awaitable[TestServer]],
) -> None:
    dsn = own_server.get_uri()
    config, gate = AtomPaySimConfig(), Gate()
    app = make_atompay_app(config)
    app.middlewares.append(gate.middleware)
    sim = Sim(config, await aiohttp_server(app))
    env = sim.settings(ATOMPAY_RECONCILE_INTERVAL="1", ATOMPAY_RECONCILE_AFTER="0")
    async with (
        running("serve", dsn, tmp_path / "payserv.log", **env) as payserv,
        aiohttp.ClientSession() as http,
    ):
        http.headers.update(await user_headers(dsn, "attendee"))
        txn_ids = await _start_payments(dsn, http, payserv.url)

        async def held() -> bool:
            return gate.held >= HELD_AT_STOP

        await wait_for(held, f"{HELD_AT_STOP} status calls in flight", 30)
        for txn_id in txn_ids:
            config.status_results[txn_id] = {"statusCode": "OTS0000", "bankTxnId": "BK-OUTAGE"}
        async with database_down(own_server, OUTAGE_SECONDS):
            gate.opened.set()

            async def answered() -> bool:
                return gate.released >= gate.held

            await wait_for(answered, "held status calls answered while down", 10)

        conn = await connect(dsn)
        try:

            async def settled() -> bool:
                rows = await conn.fetch("SELECT status FROM atompay_payments")
                return {row[0] for row in rows} == {"success"}

            await wait_for(settled, "every payment settled success", 60, interval=0.2)
            count = await conn.fetchval("SELECT count(*) FROM atompay_payments")
            failed_runs = await conn.fetchval(
                "SELECT count(*) FROM procrastinate_jobs WHERE status = 'failed'"
                " AND task_name = 'atompay.reconcile_payments'"
            )
        finally:
            await conn.close()
    assert count == PAYMENTS
    # An outage is expected (DESIGN §1): a run it cut short leaves the rest to the next run.
    assert failed_runs == 0, payserv.output()


async def _start_payments(dsn: str, http: aiohttp.ClientSession, url: str) -> list[str]:
    conn = await connect(dsn)
    try:
        # One event per payment: a user's initiated payment blocks another for its event.
        event_ids = [
            await conn.fetchval(
                "INSERT INTO events (name, fee, kind) VALUES ($1, 150, 'solo') RETURNING id",
                f"Chaos run {number}",
            )
            for number in range(PAYMENTS)
        ]
    finally:
        await conn.close()
    txn_ids = []
    for event_id in event_ids:
        status, body = await post_json(http, f"{url}/atompay", payment_body(event_id))
        assert status == 200, body
        txn_ids.append(body["merchTxnId"])
    return txn_ids
