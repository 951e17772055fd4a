"""The list benchmark runs end to end (tiny N); figures are reported, never asserted."""

from __future__ import annotations

from bench.lists import main


async def test_lists_benchmark_measures_every_figure_with_an_exact_total() -> None:
    report = await main(sizes=(30, 60), repeat=1)
    assert [size["orders"] for size in report["sizes"]] == [30, 60]
    for size in report["sizes"]:
        assert size["total_exact"] is True
        assert size["first_page_ms"] > 0 and size["starting_after_deep_ms"] > 0
        assert size["last_page_by_offset_ms"] > 0 and size["raw_sql_count_scan_ms"] > 0
