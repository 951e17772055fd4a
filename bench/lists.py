"""List requests against one merchant's 10k, 100k and 1M orders, next to the raw SQL.

    python bench/lists.py                       # 10,000 / 100,000 / 1,000,000 orders
    python bench/lists.py --sizes 1000,5000 --repeat 3

The orders are inserted straight into the table (one generate_series statement per size,
through the same triggers that keep the list counts); each figure is the median of
``--repeat`` requests over HTTP after one warm-up: the first page, a deep
``starting_after`` page, the last page by ``offset``, and one order by id. The same run
times the raw SQL of the first page and the ``count(*)`` a scanning total would cost.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp
import asyncpg

from bench.common import bench_database, payserv_server
from payserv.gateway.merchants import TEST_API_KEY, TEST_API_SECRET, TEST_MERCHANT_ID
from payserv.queries import query

HEADERS = {"X-Api-Key": TEST_API_KEY, "X-Api-Secret": TEST_API_SECRET}
SIZES = (10_000, 100_000, 1_000_000)
# Order g is g milliseconds older than order 1: g is also its position in the list.
INSERT = """
INSERT INTO gateway_orders (id, merchant_id, amount, currency, created_at)
SELECT 'order_b' || g, $1, 1000, 'INR', timestamptz '2026-01-01' - g * interval '1 ms'
FROM generate_series($2::int, $3::int) AS g
"""
COUNT = "SELECT count(*) FROM gateway_orders WHERE merchant_id = $1"


async def median_ms(call: Callable[[], Awaitable[Any]], repeat: int) -> float:
    """The median wall time of ``call()`` in ms, after one untimed warm-up."""
    await call()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        await call()
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 2)


async def get_json(http: aiohttp.ClientSession, url: str) -> Any:
    async with http.get(url, headers=HEADERS) as resp:
        if resp.status != 200:
            raise RuntimeError(f"GET {url} -> {resp.status} {await resp.text()}")
        return await resp.json()


async def measure_size(
    http: aiohttp.ClientSession, base: str, conn: asyncpg.Connection, n: int, repeat: int
) -> dict[str, Any]:
    """The figures at ``n`` orders (already inserted)."""
    orders = f"{base}/api/v1/orders"
    first = await get_json(http, f"{orders}?limit=10")
    deep = await get_json(http, f"{orders}?limit=10&starting_after=order_b{n - 10}")
    assert [o["id"] for o in deep["data"]] == [f"order_b{g}" for g in range(n - 9, n + 1)]
    page_sql = query("gateway_list_orders")
    return {
        "orders": n,
        "total_exact": first["total"] == n,
        "first_page_ms": await median_ms(lambda: get_json(http, f"{orders}?limit=10"), repeat),
        "starting_after_deep_ms": await median_ms(
            lambda: get_json(http, f"{orders}?limit=10&starting_after=order_b{n - 10}"), repeat
        ),
        "last_page_by_offset_ms": await median_ms(
            lambda: get_json(http, f"{orders}?limit=10&offset={n - 10}"), repeat
        ),
        "order_by_id_ms": await median_ms(
            lambda: get_json(http, f"{orders}/order_b{n // 2}"), repeat
        ),
        "raw_sql_first_page_ms": await median_ms(
            lambda: conn.fetch(page_sql, TEST_MERCHANT_ID, 11, 0, None, None), repeat
        ),
        "raw_sql_count_scan_ms": await median_ms(
            lambda: conn.fetchval(COUNT, TEST_MERCHANT_ID), repeat
        ),
    }


async def main(sizes: tuple[int, ...] = SIZES, repeat: int = 7) -> dict[str, Any]:
    """Grow one merchant's orders through ``sizes`` and measure the lists at each."""
    results = []
    async with (
        bench_database() as dsn,
        payserv_server(dsn, TEST_MODE="true") as base,
        aiohttp.ClientSession() as http,
    ):
        conn = await asyncpg.connect(dsn)
        try:
            inserted = 0
            for n in sorted(sizes):
                await conn.execute(INSERT, TEST_MERCHANT_ID, inserted + 1, n)
                await conn.execute("VACUUM ANALYZE gateway_orders")
                inserted = n
                results.append(await measure_size(http, base, conn, n, repeat))
        finally:
            await conn.close()
    return {"repeat": repeat, "sizes": results}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        type=lambda text: tuple(int(part) for part in text.split(",")),
        default=SIZES,
        help="comma-separated order counts (each at least 20)",
    )
    parser.add_argument("--repeat", type=int, default=7, help="timed requests per figure")
    return parser.parse_args(argv)


if __name__ == "__main__":
    args = parse_args()
    print(json.dumps(asyncio.run(main(args.sizes, args.repeat)), indent=2))
