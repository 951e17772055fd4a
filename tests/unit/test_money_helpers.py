"""payserv.money: client amounts, minor units, currency codes."""

from __future__ import annotations

from decimal import Decimal

import pytest

from payserv.errors import BadRequestError
from payserv.money import format_money, parse_decimal_amount, to_minor_units, validate_currency


def test_decimal_amounts_and_minor_units() -> None:
    assert parse_decimal_amount(12.5, field="amount") == Decimal("12.5")
    assert parse_decimal_amount("12.50", field="amount") == Decimal("12.50")
    for bad in ["1.005", 0, -1, "NaN", "Infinity", "1e400", "abc", True, None]:
        with pytest.raises(BadRequestError) as raised:
            parse_decimal_amount(bad, field="amount")
        assert raised.value.field == "amount"
    assert to_minor_units(Decimal("12.345"), "USD") == 1235
    assert to_minor_units(Decimal("0.005"), "EUR") == 1
    assert to_minor_units(Decimal("1000"), "JPY") == 1000
    assert format_money(Decimal("12.5"), "usd") == "12.50"
    assert format_money(Decimal("1000"), "JPY") == "1000"
    assert validate_currency("eur") == "EUR"
    with pytest.raises(BadRequestError):
        validate_currency("EURO")
