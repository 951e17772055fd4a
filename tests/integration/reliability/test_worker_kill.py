"""kill -9 of a worker with 200 gateway payments in flight loses nothing (DESIGN §9).

Real processes: ``run.py web`` takes the requests, ``run.py worker`` settles payments and
delivers webhooks to a receiver in this test; the worker is killed mid-way and replaced.
"""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from collections.abc import Awaitable, Callable

import aiohttp
import asyncpg
from aiohttp.test_utils import TestServer

from tests.helpers.processes import running
from tests.helpers.webhook_receiver import Receiver, start_receiver, wait_until
from tests.integration.gateway.conftest import MERCHANT

PAYMENTS = 200
FINAL = {"payment.success", "payment.failed"}


async def _create_payment(http: aiohttp.ClientSession, url: str, n: int) -> str:
    async with http.post(f"{url}/api/v1/orders", json={"amount": 1000 + n}) as response:
        assert response.status == 201, await response.text()
        order = await response.json()
    body = {"order_id": order["id"], "method": "upi", "vpa": f"user{n}@bank"}
    async with http.post(f"{url}/api/v1/payments", json=body) as response:
        assert response.status == 201, await response.text()
        payment: dict[str, str] = await response.json()
    return payment["id"]


def _events_by_payment(receiver: Receiver) -> dict[str, set[str]]:
    events: dict[str, set[str]] = defaultdict(set)
    for call in receiver.calls:
        body = json.loads(call.body)
        events[body["data"]["payment"]["id"]].add(body["event"])
    return events


async def test_kill_9_worker_mid_flight_then_every_payment_settles_and_is_delivered(
    dsn: str, db: asyncpg.Connection, aiohttp_server: Callable[..., Awaitable[TestServer]]
) -> None:
    # A slow receiver keeps delivery jobs running, so the kill hits jobs in progress.
    receiver = await start_receiver(aiohttp_server, delay=0.2)
    env = {
        "TEST_MERCHANT_WEBHOOK_URL": receiver.url,
        "TEST_PROCESSING_DELAY": "3000",
        "WEBHOOK_RETRY_INTERVALS_TEST": "true",
        "WEBHOOK_TIME_SCALE": "0.05",
        "STALLED_JOB_SECONDS": "3",
        "WORKER_HEARTBEAT_INTERVAL": "0.5",
    }
    async with (
        running("web", dsn, **env) as web,
        running("worker", dsn, **env) as worker,
        aiohttp.ClientSession(headers=MERCHANT) as http,
    ):
        semaphore = asyncio.Semaphore(20)

        async def create(n: int) -> str:
            async with semaphore:
                return await _create_payment(http, web.url, n)

        payment_ids = await asyncio.gather(*(create(n) for n in range(PAYMENTS)))

        async def mid_flight() -> bool:
            row = await db.fetchrow(
                """SELECT (SELECT count(*) FROM gateway_payments
                           WHERE status = 'pending') AS pending,
                          (SELECT count(*) FROM procrastinate_jobs
                           WHERE status = 'doing' AND task_name LIKE 'gateway.%') AS doing"""
            )
            return 0 < row["pending"] <= PAYMENTS - 10 and row["doing"] > 0

        await wait_until(mid_flight, timeout=60, interval=0.02)
        worker.kill()
        pending = await db.fetchval("SELECT count(*) FROM gateway_payments WHERE status='pending'")
        assert pending > 0, "the kill must happen while payments are still in flight"

        async with running("worker", dsn, **env) as replacement:

            async def all_settled() -> bool:
                return not await db.fetchval(
                    "SELECT count(*) FROM gateway_payments WHERE status = 'pending'"
                )

            await wait_until(all_settled, timeout=120, interval=0.2)

            async def all_delivered() -> bool:
                events = _events_by_payment(receiver)
                return all(
                    {"payment.created", "payment.pending"} <= events[p] and events[p] & FINAL
                    for p in payment_ids
                )

            await wait_until(all_delivered, timeout=120, interval=0.2)

            async def nothing_doing() -> bool:
                return not await db.fetchval(
                    "SELECT count(*) FROM procrastinate_jobs WHERE status = 'doing'"
                )

            await wait_until(nothing_doing, timeout=30, interval=0.2)
            assert await replacement.terminate() == 0

    statuses = await db.fetch("SELECT status, count(*) FROM gateway_payments GROUP BY status")
    assert sum(row["count"] for row in statuses) == PAYMENTS
    assert {row["status"] for row in statuses} <= {"success", "failed"}
    # Every success paid its own order; no order was paid twice.
    paid = await db.fetchval("SELECT count(*) FROM gateway_orders WHERE status = 'paid'")
    successes = await db.fetchval("SELECT count(*) FROM gateway_payments WHERE status='success'")
    assert paid == successes
