"""The bank benchmark runs end to end (tiny N); figures are reported, never asserted."""

from __future__ import annotations

from bench.bank import main
from bench.common import ROUNDS


async def test_bank_benchmark_credits_exactly_what_it_sent() -> None:
    report = await main(n=20, concurrency=4)
    # Every distinct operation of every round (over HTTP and raw) once, and one duplicate.
    assert report["credits_recorded"] == report["credits_expected"] == 2 * 20 * ROUNDS + 1
    assert report["distinct_operations"]["requests_per_s"] > 0
    assert report["raw_asyncpg_credit"]["transactions_per_s"] > 0
    assert set(report["ratio_http_over_raw"]) == {"distinct", "duplicates"}
