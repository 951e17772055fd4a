"""The bank benchmark runs end to end (tiny N); figures are reported, never asserted."""

from __future__ import annotations

from bench.bank import main


async def test_bank_benchmark_credits_exactly_what_it_sent() -> None:
    report = await main(n=20, concurrency=4)
    assert report["credits_recorded"] == report["credits_expected"] == 41
    assert report["distinct_operations"]["requests_per_s"] > 0
    assert report["raw_asyncpg_credit"]["transactions_per_s"] > 0
    assert set(report["ratio_http_over_raw"]) == {"distinct", "duplicates"}
