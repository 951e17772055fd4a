"""Pool checkouts: payserv's release (no reset query) next to asyncpg's default reset.

    python bench/pool.py --checkouts 5000 --repeat 5

Each checkout is what a request or job step does: acquire, one small query, release.
Both pools run on the same fresh database, interleaved; the JSON reports medians of
checkouts/s, the round trips each checkout costs, and the ratio.
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

import asyncpg

from bench.common import bench_database, bench_server
from payserv.database import create_pool

CONCURRENCY = 8
PoolFactory = Callable[[str, int], Awaitable[asyncpg.Pool]]


async def _default_reset_pool(dsn: str, size: int) -> asyncpg.Pool:
    """asyncpg's stock pool: ``pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL``."""
    pool = await asyncpg.create_pool(dsn, min_size=2, max_size=size)
    assert pool is not None
    return pool


async def _checkouts_per_s(pool: asyncpg.Pool, checkouts: int) -> float:
    remaining = iter(range(checkouts))

    async def worker() -> None:
        for _ in remaining:
            async with pool.acquire() as conn:
                await conn.fetchval("SELECT 1")

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return checkouts / (time.perf_counter() - started)


async def _server_transactions(dsn: str, make_pool: PoolFactory, checkouts: int) -> int:
    """Transactions the server counted for a pool's whole life with ``checkouts`` checkouts.

    Each query message outside a transaction block is one (the reset query's four
    statements travel as one message), so this counts round trips without assuming
    pg_stat_statements. Backends flush their counters when they exit: the pool is closed
    before the count is read.
    """
    observer = await asyncpg.connect(dsn)
    counter = (
        "SELECT xact_commit + xact_rollback FROM pg_stat_database"
        " WHERE datname = current_database()"
    )
    try:
        await observer.execute("SELECT pg_stat_clear_snapshot()")
        before = await observer.fetchval(counter)
        pool = await make_pool(dsn, CONCURRENCY)
        for _ in range(checkouts):
            async with pool.acquire() as conn:
                await conn.fetchval("SELECT 1")
        await pool.close()
        await asyncio.sleep(1.2)  # the observer's own counters flush at most once a second
        await observer.execute("SELECT pg_stat_clear_snapshot()")
        after: int = await observer.fetchval(counter)
    finally:
        await observer.close()
    return after - before - 2  # the observer's own two reads


async def _round_trips_per_checkout(dsn: str, make_pool: PoolFactory, checkouts: int) -> float:
    """Round trips per checkout: a pool's life with and without checkouts, subtracted."""
    with_checkouts = await _server_transactions(dsn, make_pool, checkouts)
    without = await _server_transactions(dsn, make_pool, 0)
    return (with_checkouts - without) / checkouts


async def measure(server_dsn: str, checkouts: int, repeat: int) -> dict[str, Any]:
    """Medians over ``repeat`` interleaved rounds of both pools on one database."""
    rates: dict[str, list[float]] = {"payserv": [], "asyncpg_default": []}
    statements: dict[str, float] = {}
    async with bench_database(server_dsn) as dsn:
        factories: dict[str, PoolFactory] = {
            "payserv": create_pool,
            "asyncpg_default": _default_reset_pool,
        }
        pools = {name: await make(dsn, CONCURRENCY) for name, make in factories.items()}
        try:
            for _ in range(repeat):
                for name, pool in pools.items():
                    rates[name].append(await _checkouts_per_s(pool, checkouts))
        finally:
            for pool in pools.values():
                await pool.close()
        for name, make in factories.items():
            statements[name] = await _round_trips_per_checkout(dsn, make, min(checkouts, 500))
    medians = {name: statistics.median(values) for name, values in rates.items()}
    return {
        "checkouts": checkouts,
        "repeat": repeat,
        "concurrency": CONCURRENCY,
        "checkouts_per_s": {name: round(value, 1) for name, value in medians.items()},
        "round_trips_per_checkout": {name: round(value, 2) for name, value in statements.items()},
        "ratio_payserv_over_default": round(medians["payserv"] / medians["asyncpg_default"], 2),
    }


async def _main(args: argparse.Namespace) -> None:
    async with bench_server() as server_dsn:
        print(json.dumps(await measure(server_dsn, args.checkouts, args.repeat), indent=2))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkouts", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=5)
    asyncio.run(_main(parser.parse_args()))
