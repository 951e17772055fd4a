"""payserv.money: parsing client amounts, currencies, minor units and formatting."""

from __future__ import annotations

from decimal import Decimal

import pytest

from payserv.errors import BadRequestError
from payserv.money import (
    MAX_AMOUNT,
    ZERO_DECIMAL_CURRENCIES,
    check_places,
    currency_exponent,
    format_money,
    parse_decimal_amount,
    quantize,
    to_decimal,
    to_minor_units,
    validate_currency,
)
from payserv.shop.money import parse_percentage


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (12.5, Decimal("12.5")),
        (0.1, Decimal("0.1")),
        (7, Decimal(7)),
        ("12.50", Decimal("12.50")),
        ("0.01", Decimal("0.01")),
        ("1000000000000", MAX_AMOUNT),
        (10**12, MAX_AMOUNT),
        ("1E+2", Decimal(100)),
        ("12.500", Decimal("12.5")),
    ],
)
def test_accepts_numbers_and_decimal_strings(value: object, expected: Decimal) -> None:
    assert parse_decimal_amount(value, field="price") == expected


def test_float_keeps_its_shortest_decimal_form() -> None:
    # Decimal(12.1) would carry binary noise (12.0999999999999996447...).
    assert str(parse_decimal_amount(12.1, field="price")) == "12.1"


@pytest.mark.parametrize(
    "value",
    [
        True,
        False,
        None,
        0,
        "0",
        "0.00",
        -1,
        "-0.01",
        "1.005",
        1.005,
        "NaN",
        "sNaN",
        "Infinity",
        "-Infinity",
        float("nan"),
        float("inf"),
        "1e400",
        10**12 + 1,
        "1000000000000.01",
        "abc",
        "",
        "12,50",
        "1_000",
        "١٢",
        "0.1000000000000000000000000000001",
        "1e-1000000",
        [12],
        {"amount": 12},
    ],
)
def test_rejects_bad_amounts_naming_the_field(value: object) -> None:
    with pytest.raises(BadRequestError) as raised:
        parse_decimal_amount(value, field="price")
    assert raised.value.field == "price"
    assert raised.value.code == "BAD_REQUEST_ERROR"


def test_rejects_an_int_too_long_for_str() -> None:
    # str() of an int over 4300 digits raises ValueError; it must still be a clean 400.
    with pytest.raises(BadRequestError) as raised:
        parse_decimal_amount(10**5000, field="price")
    assert raised.value.description == "price must be at most 1000000000000"


def test_descriptions_say_what_is_wrong() -> None:
    cases = {
        "abc": "price must be a number or a decimal string",
        "Infinity": "price must be a finite number",
        "0": "price must be greater than 0",
        "1e13": "price must be at most 1000000000000",
        "1.005": "price must have at most 2 decimals",
    }
    for value, description in cases.items():
        with pytest.raises(BadRequestError) as raised:
            parse_decimal_amount(value, field="price")
        assert raised.value.description == description


def test_max_places_follows_the_currency() -> None:
    assert parse_decimal_amount("1000", field="price", max_places=0) == Decimal(1000)
    with pytest.raises(BadRequestError):
        parse_decimal_amount("1000.5", field="price", max_places=0)
    assert parse_decimal_amount("0.125", field="percent", max_places=4) == Decimal("0.125")


def test_trailing_zeros_reach_the_database_with_a_scale_numeric_holds() -> None:
    # 20,000 zeros are no decimal places, but a scale Postgres numeric cannot hold.
    amount = parse_decimal_amount("0.10" + "0" * 20_000, field="amount")
    assert amount == Decimal("0.1") and amount.as_tuple().exponent == -2
    assert str(check_places(Decimal("12.1"), "price", 2)) == "12.1"


@pytest.mark.parametrize("value", ["1_0", "١٠", "10%", "", " ", [10], None, True, "NaN"])
def test_one_strict_parser_for_every_decimal(value: object) -> None:
    # Decimal() takes "1_0" and Arabic-Indic digits; no field of ours does.
    with pytest.raises(BadRequestError):
        to_decimal(value, "percent_off")
    with pytest.raises(BadRequestError):
        parse_percentage({"percent_off": value}, "percent_off", allow_zero=False, max_places=2)


@pytest.mark.parametrize(
    ("value", "places"),
    [("0.001", 2), (0.001, 2), ("99.999", 2), ("99.9999", 2), ("0.00001", 4), ("1e-9", 4)],
)
def test_percentages_with_more_places_than_the_column_are_refused(
    value: object, places: int
) -> None:
    # Postgres would round them: 99.999 % off into a free order, 0.001 % into a 0 % discount.
    with pytest.raises(BadRequestError) as raised:
        parse_percentage({"p": value}, "p", allow_zero=True, max_places=places)
    assert raised.value.description == f"p must have at most {places} decimals"


def test_percentages_within_the_column_are_kept_as_given() -> None:
    assert parse_percentage({"p": "12.5"}, "p", allow_zero=False, max_places=2) == Decimal("12.5")
    assert parse_percentage({"p": 7.1234}, "p", allow_zero=True, max_places=4) == Decimal("7.1234")
    assert parse_percentage({"p": 0}, "p", allow_zero=True, max_places=4) == 0
    with pytest.raises(BadRequestError):
        parse_percentage({"p": 0}, "p", allow_zero=False, max_places=2)
    with pytest.raises(BadRequestError):
        parse_percentage({"p": "1e999999"}, "p", allow_zero=True, max_places=2)


def test_currency_exponents() -> None:
    assert {"JPY", "KRW", "VND", "XPF"} <= ZERO_DECIMAL_CURRENCIES
    assert len(ZERO_DECIMAL_CURRENCIES) == 16
    assert currency_exponent("JPY") == 0
    assert currency_exponent("jpy") == 0
    assert currency_exponent("USD") == 2
    assert currency_exponent("EUR") == 2


@pytest.mark.parametrize(
    ("amount", "currency", "minor"),
    [
        ("1000", "JPY", 1000),
        ("999.5", "JPY", 1000),
        ("12.345", "USD", 1235),
        ("12.344", "USD", 1234),
        ("0.005", "USD", 1),
        ("0.004", "EUR", 0),
        ("12.5", "usd", 1250),
        ("1000000000000", "USD", 100_000_000_000_000),
    ],
)
def test_minor_units_round_half_up(amount: str, currency: str, minor: int) -> None:
    assert to_minor_units(Decimal(amount), currency) == minor


def test_quantize_and_format() -> None:
    assert quantize(Decimal("2.675"), "USD") == Decimal("2.68")
    assert quantize(Decimal("0.5"), "JPY") == Decimal(1)
    assert format_money(Decimal("12.5"), "USD") == "12.50"
    assert format_money(Decimal("12"), "EUR") == "12.00"
    assert format_money(Decimal("1000"), "JPY") == "1000"
    assert format_money(Decimal("1E+3"), "JPY") == "1000"
    assert format_money(Decimal("12.345"), "USD") == "12.35"


def test_validate_currency() -> None:
    assert validate_currency("usd") == "USD"
    assert validate_currency("EUR") == "EUR"
    assert validate_currency("JpY", field="cur") == "JPY"
    for bad in ["US", "EURO", "U5D", "", None, 840, "ÉUR", "us "]:
        with pytest.raises(BadRequestError) as raised:
            validate_currency(bad, field="cur")
        assert raised.value.field == "cur"
