"""The job benchmark runs (tiny N) and reports both connectors and both workers; no timing
is asserted."""

from __future__ import annotations

from bench.jobs import measure


async def test_job_benchmark_reports_both_connectors(server_dsn: str) -> None:
    report = await measure(server_dsn, jobs=30, repeat=1)
    for run in ("asyncpg", "psycopg", "payserv_worker"):
        assert report[run]["defers_per_s"] > 0
        assert report[run]["jobs_per_s"] > 0
    assert set(report["ratio_asyncpg_over_psycopg"]) == {"defers", "jobs"}
    assert report["ratio_payserv_worker_over_stock_worker"] > 0
