"""``bench/dashboard.py`` runs (tiny N) and reports every page; no timing is asserted."""

from __future__ import annotations

from bench.common import bench_database
from bench.dashboard import measure


async def test_dashboard_benchmark_reports_pages_and_queries(server_dsn: str) -> None:
    async with bench_database(server_dsn) as dsn:
        report = await measure(dsn, payments=200, repeat=2)
    assert report["first_page"]["queries_per_page"] == 2  # the session, the page
    assert report["half_way_down"]["queries_per_page"] == 3  # and where the page starts
    assert report["baseline_raw_sql_p50_ms"]["first_page"] > 0
