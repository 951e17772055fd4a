"""Job throughput: payserv's asyncpg connector next to Procrastinate's stock psycopg one,
and payserv's worker (one fetch per batch of free slots) next to Procrastinate's stock one.

    python bench/jobs.py --jobs 2000 --repeat 3

All run a no-op task on the same PostgreSQL, each on a freshly migrated database,
interleaved; the JSON reports medians of defers/s and jobs/s and the ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import procrastinate
from procrastinate.psycopg_connector import PsycopgConnector

from bench.common import bench_server
from payserv.bootstrap import prepare_database
from payserv.database import connect, create_pool
from payserv.logs import configure_logging
from payserv.queue import JobDeps, JobSpec, build_queue_app
from payserv.settings import Settings
from payserv.worker import run_worker
from tests.helpers.db import admin_connect, with_database


async def _noop(deps: JobDeps) -> None:
    return None


NOOP = JobSpec(name="bench.noop", function=_noop)
CONCURRENCY = 10
SETTINGS = Settings(
    database_url="postgresql://unused", secret_key="bench", worker_concurrency=CONCURRENCY
)


@asynccontextmanager
async def fresh_database(server_dsn: str) -> AsyncIterator[str]:
    """A new migrated database, dropped afterwards."""
    name = f"bench_{uuid.uuid4().hex[:10]}"
    admin = await admin_connect(server_dsn)
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    dsn = with_database(server_dsn, name)
    conn = await connect(dsn)
    await prepare_database(conn, SETTINGS)
    await conn.close()
    try:
        yield dsn
    finally:
        admin = await admin_connect(server_dsn)
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def run_asyncpg(dsn: str, jobs: int, *, batch_fetch: bool = False) -> tuple[float, float]:
    """(defers/s, jobs/s) through payserv's connector, run by Procrastinate's worker or
    (``batch_fetch``) by payserv's."""
    pool = await create_pool(dsn, 12)
    app = build_queue_app(dsn, SETTINGS, [NOOP])
    await app.open_async(pool=pool)
    started = time.perf_counter()
    for _ in range(jobs):
        await app.configure_task("bench.noop").defer_async()
    defer_seconds = time.perf_counter() - started
    deps = JobDeps(pool, SETTINGS, app, None)  # type: ignore[arg-type]
    started = time.perf_counter()
    await (run_worker if batch_fetch else procrastinate.App.run_worker_async)(
        app,
        wait=False,
        concurrency=CONCURRENCY,
        additional_context={"deps": deps},
        install_signal_handlers=False,
        listen_notify=False,
    )
    run_seconds = time.perf_counter() - started
    await app.close_async()
    await pool.close()
    return jobs / defer_seconds, jobs / run_seconds


async def run_psycopg(dsn: str, jobs: int) -> tuple[float, float]:
    """(defers/s, jobs/s) through Procrastinate's stock psycopg connector."""
    app = procrastinate.App(
        connector=PsycopgConnector(conninfo=_libpq_dsn(dsn), min_size=2, max_size=12)
    )

    @app.task(name="bench.noop")
    async def noop() -> None:
        return None

    async with app.open_async():
        started = time.perf_counter()
        for _ in range(jobs):
            await noop.defer_async()
        defer_seconds = time.perf_counter() - started
        started = time.perf_counter()
        await app.run_worker_async(
            wait=False, concurrency=CONCURRENCY, install_signal_handlers=False, listen_notify=False
        )
        run_seconds = time.perf_counter() - started
    return jobs / defer_seconds, jobs / run_seconds


def _libpq_dsn(dsn: str) -> str:
    # psycopg accepts the same URL; an empty password (pgserver's) must go.
    return dsn.replace("postgres:@", "postgres@")


async def run_payserv_worker(dsn: str, jobs: int) -> tuple[float, float]:
    """(defers/s, jobs/s) through payserv's connector and payserv's worker."""
    return await run_asyncpg(dsn, jobs, batch_fetch=True)


async def measure(server_dsn: str, jobs: int, repeat: int) -> dict[str, Any]:
    """Run each ``repeat`` times, interleaved so drift hits all alike."""
    runners = {"asyncpg": run_asyncpg, "psycopg": run_psycopg, "payserv_worker": run_payserv_worker}
    results: dict[str, list[tuple[float, float]]] = {name: [] for name in runners}
    for _ in range(repeat):
        for name, runner in runners.items():
            async with fresh_database(server_dsn) as dsn:
                results[name].append(await runner(dsn, jobs))
    return _report(results, jobs, repeat)


async def main(jobs: int, repeat: int) -> dict[str, Any]:
    """:func:`measure` on DATABASE_URL's server or a throw-away embedded one."""
    async with bench_server() as server_dsn:
        return await measure(server_dsn, jobs, repeat)


def _report(
    results: dict[str, list[tuple[float, float]]], jobs: int, repeat: int
) -> dict[str, Any]:
    def median(name: str, index: int) -> float:
        return round(statistics.median(run[index] for run in results[name]), 1)

    report: dict[str, Any] = {
        "benchmark": "jobs",
        "jobs": jobs,
        "repeat": repeat,
        "concurrency": CONCURRENCY,
    }
    for name in results:
        report[name] = {"defers_per_s": median(name, 0), "jobs_per_s": median(name, 1)}
    report["ratio_asyncpg_over_psycopg"] = {
        "defers": round(report["asyncpg"]["defers_per_s"] / report["psycopg"]["defers_per_s"], 2),
        "jobs": round(report["asyncpg"]["jobs_per_s"] / report["psycopg"]["jobs_per_s"], 2),
    }
    # Same connector, same slots: what fetching a batch per statement gains.
    report["ratio_payserv_worker_over_stock_worker"] = round(
        report["payserv_worker"]["jobs_per_s"] / report["asyncpg"]["jobs_per_s"], 2
    )
    return report


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jobs", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    configure_logging(replace(SETTINGS, log_level="WARNING"))  # stdout is for the JSON
    print(json.dumps(asyncio.run(main(args.jobs, args.repeat)), indent=2))
