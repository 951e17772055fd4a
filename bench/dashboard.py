"""The dashboard's transactions page with many payments of one merchant (DESIGN §4b).

    python bench/dashboard.py [--payments 100000] [--repeat 50]

Migrates a fresh database (embedded, or on ``DATABASE_URL``'s server), inserts ``--payments``
payments (and their orders) of the test merchant with one SQL statement each, serves payserv
in this process, logs in to the dashboard and measures ``GET /dashboard/transactions`` (the
first page, both filters, and a page half-way down): p50 of the whole HTTP page, and the
queries each page ran (counted by asyncpg query loggers on every pooled connection). Next to
it, the same-run baseline: p50 of the page's raw SQL (session lookup + page query) on one
connection. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import BENCH_SECRET_KEY, bench_database, free_port, percentiles
from payserv.app import create_app
from payserv.bootstrap import prepare_database
from payserv.context import POOL
from payserv.database import connect
from payserv.gateway.merchants import TEST_DASHBOARD_PASSWORD, TEST_MERCHANT_EMAIL, TEST_MERCHANT_ID
from payserv.gateway.sessions import session_digest
from payserv.logs import configure_logging
from payserv.queries import query
from payserv.settings import Settings

POOL_SIZE = 4
WARM_UP = 2 * POOL_SIZE
SETTINGS = Settings(
    database_url="postgresql://unused",
    secret_key=BENCH_SECRET_KEY,
    test_mode=True,
    log_level="WARNING",
    db_pool_size=POOL_SIZE,
)
# Fixture data, not app code: one order per payment, spread over 60 days; about 90 %
# success, 7 % failed, 3 % pending; every third payment by card.
INSERT_ORDERS = """
INSERT INTO gateway_orders (id, merchant_id, amount, currency, status, created_at)
SELECT 'order_b' || lpad(i::text, 15, '0'), $1, 100 + i % 90000, 'INR', 'attempted',
       now() - make_interval(secs => ($2 - i) * 51.84)
FROM generate_series(1, $2) AS i
"""
INSERT_PAYMENTS = """
INSERT INTO gateway_payments (id, merchant_id, order_id, amount, currency, method, vpa,
                              card_network, card_last4, status, created_at)
SELECT 'pay_b' || lpad(i::text, 15, '0'), $1, 'order_b' || lpad(i::text, 15, '0'),
       100 + i % 90000, 'INR',
       CASE WHEN i % 3 = 0 THEN 'card' ELSE 'upi' END,
       CASE WHEN i % 3 = 0 THEN NULL ELSE 'user@bank' END,
       CASE WHEN i % 3 = 0 THEN 'visa' END,
       CASE WHEN i % 3 = 0 THEN '1111' END,
       CASE WHEN i % 100 < 90 THEN 'success' WHEN i % 100 < 97 THEN 'failed' ELSE 'pending' END,
       now() - make_interval(secs => ($2 - i) * 51.84)
FROM generate_series(1, $2) AS i
"""
_POOL_RESET = "SELECT pg_advisory_unlock_all()"
_TOKEN = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


async def seed(dsn: str, payments: int) -> None:
    conn = await connect(dsn)
    try:
        await prepare_database(conn, replace(SETTINGS, database_url=dsn))
        await conn.execute(INSERT_ORDERS, TEST_MERCHANT_ID, payments)
        await conn.execute(INSERT_PAYMENTS, TEST_MERCHANT_ID, payments)
        await conn.execute("ANALYZE gateway_orders; ANALYZE gateway_payments")
    finally:
        await conn.close()


async def count_queries(pool: asyncpg.Pool, counter: list[int]) -> None:
    """A query logger on every connection the pool will hand out (it fills the pool)."""
    connections = [await pool.acquire() for _ in range(POOL_SIZE)]

    def count(logged: Any) -> None:
        if not logged.query.startswith(_POOL_RESET):  # asyncpg's own, at each release
            counter[0] += 1

    for conn in connections:
        conn.add_query_logger(count)
    for conn in connections:
        await pool.release(conn)


async def log_in(session: aiohttp.ClientSession, base: str) -> str:
    """The session id of a dashboard login through the form."""
    async with session.get(f"{base}/dashboard/login") as page:
        match = _TOKEN.search(await page.text())
    assert match is not None
    form = {"csrf_token": match.group(1), "email": TEST_MERCHANT_EMAIL}
    form["password"] = TEST_DASHBOARD_PASSWORD
    async with session.post(f"{base}/dashboard/login", data=form) as response:
        assert response.status == 200, response.status
    [cookie] = [c for c in session.cookie_jar if c.key == "payserv_dashboard"]
    return cookie.value


async def time_page(
    session: aiohttp.ClientSession, url: str, repeat: int, counter: list[int]
) -> dict[str, Any]:
    """p50 of the whole page over ``repeat`` requests, and the queries of one page."""
    for _ in range(WARM_UP):  # templates compiled, statements prepared on each connection
        async with session.get(url) as response:
            await response.read()
    timings = []
    for _ in range(repeat):
        before = counter[0]
        start = time.perf_counter()
        async with session.get(url) as response:
            body = await response.text()
        timings.append((time.perf_counter() - start) * 1000)
        assert response.status == 200 and "transaction-row" in body, response.status
        queries = counter[0] - before
    return {"p50_ms": round(percentiles(timings)["p50"], 2), "queries_per_page": queries}


async def time_raw_sql(dsn: str, session_id: str, cursor: str | None, repeat: int) -> float:
    """p50 of the page's own SQL on one connection: session lookup, (cursor,) the page."""
    conn = await connect(dsn)
    timings = []
    try:
        for _ in range(repeat):
            start = time.perf_counter()
            await conn.fetchrow(query("dashboard_session_merchant"), session_digest(session_id))
            after: tuple[Any, ...] = (datetime.max.replace(tzinfo=UTC), 2**63 - 1)
            if cursor is not None:
                row = await conn.fetchrow(
                    query("dashboard_transactions_cursor"), TEST_MERCHANT_ID, cursor
                )
                after = (row["created_at"], row["seq"])
            await conn.fetch(query("dashboard_transactions"), TEST_MERCHANT_ID, *after, 21)
            timings.append((time.perf_counter() - start) * 1000)
    finally:
        await conn.close()
    return round(percentiles(timings)["p50"], 2)


async def measure(dsn: str, payments: int, repeat: int) -> dict[str, Any]:
    await seed(dsn, payments)
    app = create_app(replace(SETTINGS, database_url=dsn), dsn, run_worker=False)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    base = f"http://127.0.0.1:{port}"
    counter = [0]
    await count_queries(app[POOL], counter)
    middle = f"pay_b{payments // 2:015d}"
    pages = {
        "first_page": "/dashboard/transactions",
        "status_failed": "/dashboard/transactions?status=failed",
        "method_card": "/dashboard/transactions?method=card",
        # Both filters: the (merchant_id, status, method, ...) index.
        "status_pending_method_card": "/dashboard/transactions?status=pending&method=card",
        "half_way_down": f"/dashboard/transactions?starting_after={middle}",
    }
    try:
        jar = aiohttp.CookieJar(unsafe=True)
        async with aiohttp.ClientSession(cookie_jar=jar) as session:
            session_id = await log_in(session, base)
            report: dict[str, Any] = {"payments": payments, "repeat": repeat}
            for name, path in pages.items():
                report[name] = await time_page(session, base + path, repeat, counter)
        report["baseline_raw_sql_p50_ms"] = {
            "first_page": await time_raw_sql(dsn, session_id, None, repeat),
            "half_way_down": await time_raw_sql(dsn, session_id, middle, repeat),
        }
    finally:
        await runner.cleanup()
    return report


async def main(payments: int, repeat: int) -> None:
    async with bench_database() as dsn:
        print(json.dumps(await measure(dsn, payments, repeat), indent=2))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--payments", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=50)
    options = parser.parse_args()
    configure_logging(SETTINGS)  # WARNING: stdout is for the JSON
    asyncio.run(main(options.payments, options.repeat))
