"""SIGTERM under load: in-flight requests get their answers, running jobs finish, exit 0."""

from __future__ import annotations

import asyncio
import signal
import uuid
from collections.abc import Awaitable, Callable

import aiohttp
import asyncpg
from aiohttp.test_utils import TestServer

from tests.helpers.processes import running
from tests.helpers.webhook_receiver import start_receiver, wait_until
from tests.integration.gateway.conftest import MERCHANT

BURST = 60


async def _bank_webhook(http: aiohttp.ClientSession, url: str) -> int | str:
    body = {
        "operation_id": str(uuid.uuid4()),
        "amount": 100,
        "payer_inn": "7707083893",
        "document_number": "D-1",
        "document_date": "2026-11-23T10:00:00Z",
    }
    try:
        async with http.post(f"{url}/api/webhook/bank/", json=body) as response:
            await response.read()
            return response.status
    except aiohttp.ClientError as exc:  # sent after the listener closed: never processed
        return type(exc).__name__


async def test_sigterm_during_load_finishes_requests_and_jobs_then_exits_0(
    dsn: str, db: asyncpg.Connection, aiohttp_server: Callable[..., Awaitable[TestServer]]
) -> None:
    # A slow receiver: delivery jobs are running when the signal comes.
    receiver = await start_receiver(aiohttp_server, delay=1.0)
    env = {
        "TEST_MERCHANT_WEBHOOK_URL": receiver.url,
        "TEST_PROCESSING_DELAY": "0",
        "SHUTDOWN_TIMEOUT": "30",
    }
    async with running("serve", dsn, **env) as app:
        async with aiohttp.ClientSession(headers=MERCHANT) as http:
            async with http.post(f"{app.url}/api/v1/orders", json={"amount": 900}) as response:
                order = await response.json()
            body = {"order_id": order["id"], "method": "upi", "vpa": "user@bank"}
            async with http.post(f"{app.url}/api/v1/payments", json=body) as response:
                assert response.status == 201

        async def deliveries_running() -> list[int]:
            rows = await db.fetch(
                "SELECT id FROM procrastinate_jobs"
                " WHERE status = 'doing' AND task_name = 'gateway.deliver_webhook'"
            )
            return [row["id"] for row in rows]

        running_jobs = await wait_until(deliveries_running, interval=0.02)
        # One connection per request, so a request is either sent whole or refused.
        connector = aiohttp.TCPConnector(force_close=True)
        async with aiohttp.ClientSession(connector=connector) as http:
            burst = [asyncio.create_task(_bank_webhook(http, app.url)) for _ in range(BURST)]
            await asyncio.wait(burst, return_when=asyncio.FIRST_COMPLETED)
            app.process.send_signal(signal.SIGTERM)
            outcomes = await asyncio.gather(*burst)
        assert await asyncio.to_thread(app.process.wait, 60) == 0

    answered = [o for o in outcomes if isinstance(o, int)]
    assert set(answered) == {200}, outcomes
    # Every request payserv processed was answered: no credit without its 200.
    assert await db.fetchval("SELECT count(*) FROM bank_operations") == len(answered)
    statuses = await db.fetch(
        "SELECT status::text FROM procrastinate_jobs WHERE id = ANY($1::bigint[])", running_jobs
    )
    assert [row["status"] for row in statuses] == ["succeeded"] * len(running_jobs)
    assert await db.fetchval("SELECT count(*) FROM procrastinate_workers") == 0
