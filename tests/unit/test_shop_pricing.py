"""payserv.shop.pricing: order totals as DESIGN §7 defines them."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from payserv.money import to_minor_units
from payserv.shop.pricing import (
    DiscountSpec,
    OrderTotals,
    PricedLine,
    TaxSpec,
    compute_order_totals,
)

D = Decimal


def totals(subtotal: str, discount: str, tax: str, total: str) -> OrderTotals:
    return OrderTotals(D(subtotal), D(discount), D(tax), D(total))


def test_plain_lines_with_quantities() -> None:
    lines = [PricedLine(D("19.99"), 3), PricedLine(D("5.00"), 1)]
    assert compute_order_totals(lines, "USD") == totals("64.97", "0.00", "0.00", "64.97")


def test_percent_discount_then_exclusive_tax_on_the_discounted_amount() -> None:
    lines = [PricedLine(D("19.99"), 3)]
    result = compute_order_totals(
        lines, "USD", DiscountSpec(percent_off=D(10)), [TaxSpec(D("8.25"), inclusive=False)]
    )
    # 59.97 - 6.00 (5.997 half-up) = 53.97; 8.25 % of it = 4.452525 -> 4.45.
    assert result == totals("59.97", "6.00", "4.45", "58.42")
    assert to_minor_units(result.total, "USD") == 5842


def test_each_exclusive_tax_is_rounded_on_its_own() -> None:
    taxes = [TaxSpec(D("2.5"), inclusive=False), TaxSpec(D("2.5"), inclusive=False)]
    result = compute_order_totals([PricedLine(D("1.10"), 1)], "USD", taxes=taxes)
    # 0.0275 -> 0.03 twice, not 0.055 -> 0.06 once.
    assert result == totals("1.10", "0.00", "0.06", "1.16")


def test_amount_discount() -> None:
    lines = [PricedLine(D("12.50"), 2)]
    result = compute_order_totals(
        lines, "EUR", DiscountSpec(amount_off=D("5")), [TaxSpec(D(20), inclusive=False)]
    )
    assert result == totals("25.00", "5.00", "4.00", "24.00")


def test_amount_off_larger_than_the_subtotal_makes_the_order_free() -> None:
    lines = [PricedLine(D("15.00"), 1)]
    result = compute_order_totals(
        lines, "USD", DiscountSpec(amount_off=D("20.00")), [TaxSpec(D(10), inclusive=False)]
    )
    assert result == totals("15.00", "15.00", "0.00", "0.00")


def test_inclusive_tax_does_not_change_the_total() -> None:
    lines = [PricedLine(D("119.00"), 1)]
    without = compute_order_totals(lines, "EUR")
    result = compute_order_totals(lines, "EUR", taxes=[TaxSpec(D(19), inclusive=True)])
    assert result == without == totals("119.00", "0.00", "0.00", "119.00")


def test_inclusive_and_exclusive_taxes_together() -> None:
    taxes = [TaxSpec(D(19), inclusive=True), TaxSpec(D(5), inclusive=False)]
    result = compute_order_totals([PricedLine(D("100.00"), 1)], "EUR", taxes=taxes)
    assert result == totals("100.00", "0.00", "5.00", "105.00")


def test_zero_decimal_currency_rounds_to_whole_units() -> None:
    lines = [PricedLine(D(1500), 3)]
    result = compute_order_totals(
        lines, "JPY", DiscountSpec(percent_off=D("12.5")), [TaxSpec(D(10), inclusive=False)]
    )
    # 4500 - 562.5 -> 563 = 3937; 10 % = 393.7 -> 394.
    assert result == totals("4500", "563", "394", "4331")
    assert to_minor_units(result.total, "JPY") == 4331


def test_half_cent_discount_rounds_up() -> None:
    result = compute_order_totals([PricedLine(D("0.10"), 1)], "USD", DiscountSpec(D(5)))
    # 5 % of 0.10 = 0.005 -> 0.01 (half-up, not banker's 0.00).
    assert result.discount_amount == D("0.01")
    assert result.total == D("0.09")


def test_results_are_quantized_to_the_currency() -> None:
    result = compute_order_totals([PricedLine(D(5), 1)], "USD")
    assert [str(v) for v in (result.subtotal, result.discount_amount)] == ["5.00", "0.00"]
    assert [str(v) for v in (result.tax_amount, result.total)] == ["0.00", "5.00"]


@pytest.mark.parametrize(
    "make",
    [
        lambda: DiscountSpec(),
        lambda: DiscountSpec(percent_off=D(10), amount_off=D(1)),
        lambda: DiscountSpec(percent_off=D(101)),
        lambda: DiscountSpec(amount_off=D(-1)),
        lambda: TaxSpec(D(-1), inclusive=False),
        lambda: PricedLine(D(1), 0),
        lambda: PricedLine(D(-1), 1),
    ],
)
def test_specs_refuse_impossible_values(make: Callable[[], object]) -> None:
    with pytest.raises(ValueError):
        make()
