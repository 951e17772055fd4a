"""The job benchmark runs (tiny N) and reports both connectors; no timing is asserted."""

from __future__ import annotations

from bench.jobs import measure


async def test_job_benchmark_reports_both_connectors(server_dsn: str) -> None:
    report = await measure(server_dsn, jobs=30, repeat=1)
    for connector in ("asyncpg", "psycopg"):
        assert report[connector]["defers_per_s"] > 0
        assert report[connector]["jobs_per_s"] > 0
    assert set(report["ratio_asyncpg_over_psycopg"]) == {"defers", "jobs"}
