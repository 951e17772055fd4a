"""Bank webhook ingestion against a running payserv, next to the raw SQL rate.

    python bench/bank.py --n 2000 --concurrency 20

Three figures on one database in one run: distinct operations over HTTP, a duplicate
storm (one operation delivered N times) over HTTP, and the same insert-and-credit
transaction straight through asyncpg (the baseline); the JSON reports the ratios. The
distinct operations and the baseline run ROUNDS times each, alternating (the median run).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import asyncpg

from bench.common import (
    ROUNDS,
    bench_database,
    latency_ms,
    median_run,
    payserv_server,
    run_concurrently,
)
from bench.loadgen import load_client
from payserv.bank.inn import inn_checksum_valid
from payserv.database import create_pool
from payserv.queries import query


def valid_inns(count: int, rng: random.Random) -> list[str]:
    """``count`` random 10-digit INNs with a valid checksum."""
    inns: list[str] = []
    while len(inns) < count:
        digits = "".join(str(rng.randrange(10)) for _ in range(9))
        inns += [digits + c for c in "0123456789" if inn_checksum_valid(digits + c)]
    return inns[:count]


def operation(inn: str, operation_id: str | None = None) -> dict[str, Any]:
    return {
        "operation_id": operation_id or str(uuid.uuid4()),
        "amount": 1000,
        "payer_inn": inn,
        "document_number": "BENCH-1",
        "document_date": "2026-11-23T10:00:00Z",
    }


async def over_http(url: str, bodies: list[dict[str, Any]], concurrency: int) -> dict[str, Any]:
    async with load_client(url, concurrency) as http:

        async def post(index: int) -> None:
            status, body = await http.post_json("/api/webhook/bank/", bodies[index])
            if status != 200:
                raise RuntimeError(f"HTTP {status}: {body.decode(errors='replace')}")

        rate, latencies = await run_concurrently(len(bodies), concurrency, post)
    return {"requests_per_s": round(rate, 1), **latency_ms(latencies)}


async def raw_sql(dsn: str, bodies: list[dict[str, Any]], concurrency: int) -> dict[str, Any]:
    """The handler's one-statement transaction without HTTP, JSON or validation."""
    pool = await create_pool(dsn, concurrency + 2)
    sql = query("bank_credit_operation")
    date = datetime(2026, 11, 23, 10, tzinfo=UTC)

    async def credit(index: int) -> None:
        body = bodies[index]
        async with pool.acquire() as conn:
            await conn.fetchval(
                sql,
                uuid.UUID(body["operation_id"]),
                body["amount"],
                body["payer_inn"],
                body["document_number"],
                date,
            )

    try:
        rate, latencies = await run_concurrently(len(bodies), concurrency, credit)
    finally:
        await pool.close()
    return {"transactions_per_s": round(rate, 1), **latency_ms(latencies)}


async def measure(url: str, dsn: str, n: int, concurrency: int) -> dict[str, Any]:
    """The figures against a running payserv at ``url`` whose database is ``dsn``."""
    rng = random.Random(1)
    inns = valid_inns(10, rng)
    distinct = [operation(rng.choice(inns)) for _ in range(n * ROUNDS)]
    duplicate = [operation(inns[0], str(uuid.uuid4()))] * n
    baseline_ops = [operation(rng.choice(inns)) for _ in range(n * ROUNDS)]
    conn = await asyncpg.connect(dsn)
    try:
        credited_before = await conn.fetchval("SELECT count(*) FROM bank_balance_log")
    finally:
        await conn.close()
    http_runs, raw_runs = [], []
    for start in range(0, n * ROUNDS, n):  # alternating, so both see the same machine
        http_runs.append(await over_http(url, distinct[start : start + n], concurrency))
        raw_runs.append(await raw_sql(dsn, baseline_ops[start : start + n], concurrency))
    http_distinct = median_run(http_runs, "requests_per_s")
    baseline = median_run(raw_runs, "transactions_per_s")
    http_duplicates = await over_http(url, duplicate, concurrency)
    conn = await asyncpg.connect(dsn)
    try:
        credited = await conn.fetchval("SELECT count(*) FROM bank_balance_log") - credited_before
    finally:
        await conn.close()
    rate = baseline["transactions_per_s"]
    return {
        "benchmark": "bank_webhooks",
        "n": n,
        "concurrency": concurrency,
        "distinct_operations": http_distinct,
        "duplicate_storm": http_duplicates,
        "raw_asyncpg_credit": baseline,
        "ratio_http_over_raw": {
            "distinct": round(http_distinct["requests_per_s"] / rate, 2),
            "duplicates": round(http_duplicates["requests_per_s"] / rate, 2),
        },
        # Sanity: every distinct operation and one of the duplicates credited, nothing more.
        "credits_recorded": credited,
        "credits_expected": 2 * n * ROUNDS + 1,
    }


async def main(n: int, concurrency: int) -> dict[str, Any]:
    """Start payserv on a fresh database and :func:`measure` it."""
    async with bench_database() as dsn, payserv_server(dsn) as url:
        return await measure(url, dsn, n, concurrency)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=20)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(main(args.n, args.concurrency)), indent=2))
