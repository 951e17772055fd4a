"""Gateway end to end: order and payment creation through to the delivered webhook.

    python bench/gateway.py --n 200 [--concurrency 10]

Starts payserv (``TEST_MODE=true``, ``TEST_PROCESSING_DELAY=0``) on a fresh database
(embedded, or on ``DATABASE_URL``'s server) with the test merchant's webhooks pointed at a
local receiver, then measures:

- orders: ``POST /api/v1/orders`` requests/s and latencies, next to raw asyncpg inserts of
  the same rows with the app's own ``gateway_insert_order`` query on the same database
  (ROUNDS runs of each, alternating: the median run);
- payments: ``POST /api/v1/payments`` to the ``payment.success`` webhook arriving at the
  receiver: payments/s over the whole batch and p50/p99 of each payment's latency;
- per payment, counted: Procrastinate jobs queued, and, with a second payserv behind a
  counting relay (bench/pgcount.py), SQL statements sent from order create to the last
  webhook recorded.

Prints one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg
from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    ROUNDS,
    bench_database,
    bench_server,
    latency_ms,
    median_run,
    payserv_server,
    run_concurrently,
    serve_local,
)
from bench.loadgen import LoadClient, load_client
from bench.pgcount import counting_relay
from payserv.database import create_pool
from payserv.gateway.merchants import TEST_API_KEY, TEST_API_SECRET, TEST_MERCHANT_ID
from payserv.queries import query
from tests.helpers.webhook_receiver import wait_until

# Jobs deferred by payserv's code, not by a periodic schedule.
QUEUED_JOBS = """SELECT count(*) FROM procrastinate_jobs j
                 WHERE NOT EXISTS (SELECT 1 FROM procrastinate_periodic_defers p
                                   WHERE p.job_id = j.id)"""
UNDELIVERED = "SELECT count(*) FROM webhook_deliveries WHERE status = 'pending'"
WORKERS = "SELECT count(*) FROM procrastinate_workers"
UNLOADED_N = 30  # payments one at a time, for the unloaded latency
# The processes of each end-to-end run: the first serves HTTP.
TOPOLOGIES: dict[str, tuple[str, ...]] = {
    "serve": ("serve",),
    "web_2_workers": ("web", "worker", "worker"),
}
HEADERS = {"X-Api-Key": TEST_API_KEY, "X-Api-Secret": TEST_API_SECRET}
ORDER = {"amount": 50000, "currency": "INR", "receipt": "bench", "notes": {"bench": "yes"}}


class Receiver:
    """The merchant's webhook endpoint: records when each ``payment.success`` arrives."""

    def __init__(self) -> None:
        self.url = ""
        self.expected = 0
        self.arrivals: dict[str, float] = {}
        self.done = asyncio.Event()

    def expect(self, count: int) -> None:
        """Set :attr:`done` once ``count`` more payments have had their success webhook."""
        self.expected = len(self.arrivals) + count
        self.done.clear()

    async def handle(self, request: web.Request) -> web.Response:
        body = json.loads(await request.read())
        if body.get("event") == "payment.success":
            self.arrivals.setdefault(body["data"]["payment"]["id"], time.perf_counter())
            if len(self.arrivals) >= self.expected:
                self.done.set()
        return web.Response(status=200)


@asynccontextmanager
async def webhook_receiver() -> AsyncIterator[Receiver]:
    """A :class:`Receiver` listening on a free local port (its ``url``)."""
    receiver = Receiver()
    app = web.Application()
    app.router.add_post("/hook", receiver.handle)
    async with serve_local(app) as base_url:
        receiver.url = f"{base_url}/hook"
        yield receiver


def payserv_env(receiver: Receiver) -> dict[str, str]:
    """What payserv needs for this benchmark: test mode, instant success, our receiver."""
    return {
        "TEST_MODE": "true",
        "TEST_PROCESSING_DELAY": "0",
        "TEST_PAYMENT_SUCCESS": "true",
        "TEST_MERCHANT_WEBHOOK_URL": receiver.url,
        "WORKER_POLL_INTERVAL": "0.1",
    }


async def _post(http: LoadClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    status, raw = await http.post_json(path, body, HEADERS)
    data: dict[str, Any] = json.loads(raw)
    if status != 201:
        raise RuntimeError(f"POST {path} -> {status} {data}")
    return data


async def bench_orders(
    http: LoadClient, n: int, concurrency: int
) -> tuple[list[str], dict[str, Any]]:
    """Create ``n`` orders over HTTP: (their ids, requests/s and latencies)."""
    order_ids: list[str] = []

    async def create(_index: int) -> None:
        order_ids.append((await _post(http, "/api/v1/orders", ORDER))["id"])

    rate, latencies = await run_concurrently(n, concurrency, create)
    return order_ids, {"requests_per_s": round(rate, 1), **latency_ms(latencies)}


async def bench_raw_inserts(dsn: str, n: int, concurrency: int) -> dict[str, Any]:
    """The same order rows inserted with asyncpg and the app's query: inserts/s, latencies."""
    # payserv's own pool factory: the same jsonb codec and settings the app uses.
    pool = await create_pool(dsn, concurrency)
    sql = query("gateway_insert_order")

    async def insert(_index: int) -> None:
        order_id = "order_" + secrets.token_hex(8)
        await pool.execute(sql, order_id, TEST_MERCHANT_ID, 50000, "INR", "bench", ORDER["notes"])

    try:
        rate, latencies = await run_concurrently(n, concurrency, insert)
    finally:
        await pool.close()
    return {"inserts_per_s": round(rate, 1), **latency_ms(latencies)}


async def bench_payments(
    http: LoadClient,
    order_ids: list[str],
    receiver: Receiver,
    concurrency: int,
    timeout: float,
) -> dict[str, Any]:
    """Pay every order; time each payment from request to its delivered success webhook."""
    sent: dict[str, float] = {}
    receiver.expect(len(order_ids))

    async def pay(index: int) -> None:
        t0 = time.perf_counter()
        body = {"order_id": order_ids[index], "method": "upi", "vpa": "success@razorpay"}
        payment = await _post(http, "/api/v1/payments", body)
        sent[payment["id"]] = t0

    started = time.perf_counter()
    await run_concurrently(len(order_ids), concurrency, pay)
    await asyncio.wait_for(receiver.done.wait(), timeout)
    elapsed = max(receiver.arrivals[p] for p in sent) - started
    latencies = [(receiver.arrivals[p] - t0) * 1000 for p, t0 in sent.items()]
    return {
        "payments_per_s": round(len(order_ids) / elapsed, 1),
        **latency_ms(latencies),
        "delivered": sum(p in receiver.arrivals for p in sent),
    }


async def queued_jobs(dsn: str) -> int:
    """Jobs queued so far by payserv's code (periodic ones left out)."""
    conn = await asyncpg.connect(dsn)
    try:
        return int(await conn.fetchval(QUEUED_JOBS))
    finally:
        await conn.close()


async def measure(
    base: str, dsn: str, receiver: Receiver, n: int, concurrency: int, timeout: float
) -> dict[str, Any]:
    """The figures against a payserv at ``base`` started with :func:`payserv_env`."""
    async with load_client(base, concurrency) as http:
        order_runs, raw_runs, order_ids = [], [], list[str]()
        for _ in range(ROUNDS):  # alternating, so both see the same machine
            ids, figures = await bench_orders(http, n, concurrency)
            order_ids = order_ids or ids  # the payments pay the first round's orders
            order_runs.append(figures)
            raw_runs.append(await bench_raw_inserts(dsn, n, concurrency))
        orders = median_run(order_runs, "requests_per_s")
        raw = median_run(raw_runs, "inserts_per_s")
        jobs_before = await queued_jobs(dsn)
        payments = await bench_payments(http, order_ids, receiver, concurrency, timeout)
        payments["queued_jobs_per_payment"] = round((await queued_jobs(dsn) - jobs_before) / n, 2)
        unloaded = await bench_unloaded(http, receiver, UNLOADED_N, timeout)
    return {
        "benchmark": "gateway",
        "n": n,
        "concurrency": concurrency,
        "orders": {
            "http": orders,
            "raw_sql_insert": raw,
            "ratio_http_over_raw": round(orders["requests_per_s"] / raw["inserts_per_s"], 2),
        },
        "payments_to_success_webhook": payments,
        "unloaded_payment_to_success_webhook": unloaded,
    }


async def bench_unloaded(
    http: LoadClient, receiver: Receiver, n: int, timeout: float
) -> dict[str, Any]:
    """One payment at a time: each is sent once the previous one's ``payment.success`` arrived."""
    order_ids, _ = await bench_orders(http, n, 1)
    latencies = []
    for order_id in order_ids:
        receiver.expect(1)
        started = time.perf_counter()
        body = {"order_id": order_id, "method": "upi", "vpa": "success@razorpay"}
        payment = await _post(http, "/api/v1/payments", body)
        await asyncio.wait_for(receiver.done.wait(), timeout)
        latencies.append((receiver.arrivals[payment["id"]] - started) * 1000)
    return {"n": n, **latency_ms(latencies)}


async def measure_topologies(
    server_dsn: str, receiver: Receiver, n: int, concurrency: int, timeout: float
) -> dict[str, Any]:
    """End-to-end payments/s of one ``serve`` process and of ``web`` + 2 ``worker``s.

    Each on a fresh database, the same orders and payments as :func:`bench_payments`.
    """
    figures: dict[str, Any] = {}
    for name, commands in TOPOLOGIES.items():
        async with (
            bench_database(server_dsn) as dsn,
            payserv_server(dsn, commands=commands, **payserv_env(receiver)) as base,
            load_client(base, concurrency) as http,
        ):
            await _wait_for_workers(dsn, commands.count("worker"), timeout)
            order_ids, _ = await bench_orders(http, n, concurrency)
            payments = await bench_payments(http, order_ids, receiver, concurrency, timeout)
            figures[name] = payments
    serve, split = figures["serve"]["payments_per_s"], figures["web_2_workers"]["payments_per_s"]
    figures["ratio_split_over_serve"] = round(split / serve, 2)
    return figures


async def _wait_for_workers(dsn: str, count: int, timeout: float) -> None:
    """Until ``count`` worker processes have registered (``/health`` needs only one)."""
    conn = await asyncpg.connect(dsn)
    try:

        async def registered() -> bool:
            return bool(await conn.fetchval(WORKERS) >= count)

        await wait_until(registered, timeout=timeout)
    finally:
        await conn.close()


async def count_per_payment(
    dsn: str, receiver: Receiver, n: int, concurrency: int, timeout: float
) -> dict[str, Any]:
    """Statements and jobs per payment, counted: order create to its last webhook recorded.

    A payserv of its own on ``dsn`` (a fresh database) behind the counting relay, whose
    extra hop would distort the timed figures of :func:`measure`.
    """
    async with (
        counting_relay(dsn) as (relayed, counter),
        payserv_server(relayed, **payserv_env(receiver)) as base,
        load_client(base, concurrency) as http,
    ):
        jobs_before, statements_before = await queued_jobs(dsn), counter.statements
        order_ids, _ = await bench_orders(http, n, concurrency)
        await bench_payments(http, order_ids, receiver, concurrency, timeout)
        conn = await asyncpg.connect(dsn)  # not through the relay: not counted
        try:
            await wait_until(lambda: _none_pending(conn), timeout=timeout)
            jobs = await conn.fetchval(QUEUED_JOBS) - jobs_before
        finally:
            await conn.close()
        statements = counter.statements - statements_before
    return {
        "n": n,
        "sql_statements": round(statements / n, 1),
        "queued_jobs": round(jobs / n, 2),
    }


async def _none_pending(conn: asyncpg.Connection) -> bool:
    return bool(await conn.fetchval(UNDELIVERED) == 0)


async def main(n: int, concurrency: int, timeout: float) -> dict[str, Any]:
    """Start a receiver and payserv on a fresh database, :func:`measure`, then count."""
    async with webhook_receiver() as receiver, bench_server() as server:
        async with (
            bench_database(server) as dsn,
            payserv_server(dsn, **payserv_env(receiver)) as base,
        ):
            figures = await measure(base, dsn, receiver, n, concurrency, timeout)
        async with bench_database(server) as dsn:
            figures["per_payment"] = await count_per_payment(dsn, receiver, n, concurrency, timeout)
        figures["topologies"] = await measure_topologies(server, receiver, n, concurrency, timeout)
    return figures


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--n", type=int, default=200, help="orders and payments to create")
    parser.add_argument("--concurrency", type=int, default=10, help="requests in flight")
    parser.add_argument(
        "--timeout", type=float, default=300, help="seconds to wait for all webhooks"
    )
    return parser.parse_args(argv)


if __name__ == "__main__":
    args = parse_args()
    print(json.dumps(asyncio.run(main(args.n, args.concurrency, args.timeout)), indent=2))
