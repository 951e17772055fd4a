"""Gateway payment-method validation: VPA, card number, network, expiry and CVV."""

from __future__ import annotations

from datetime import date

import pytest

from payserv.errors import ExpiredCardError, InvalidCardError, InvalidVpaError
from payserv.gateway.instruments import (
    CardDetails,
    card_network,
    luhn_valid,
    validate_card,
    validate_vpa,
)

TODAY = date(2026, 3, 15)
JANUARY = date(2026, 1, 15)
VISA = "4111111111111111"


def luhn_number(prefix: str, length: int = 16) -> str:
    """A Luhn-valid number: ``prefix``, zeros, then the check digit computed here."""
    body = prefix + "0" * (length - len(prefix) - 1)
    total = 0
    # Walking right to left from the digit left of the check digit, double every other one.
    for index, char in enumerate(reversed(body)):
        value = int(char) * (2 if index % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return body + str((10 - total % 10) % 10)


def card(
    number: object = VISA, month: object = "12", year: object = "2030", cvv: object = "123"
) -> dict[str, object]:
    return {"number": number, "expiry_month": month, "expiry_year": year, "cvv": cvv}


def test_luhn_number_helper_matches_known_numbers() -> None:
    assert luhn_number("411111111111111") == VISA
    assert luhn_number("7992739871", 11) == "79927398713"


@pytest.mark.parametrize(
    ("number", "network"),
    [
        ("4111111111111111", "visa"),
        ("4012888888881881", "visa"),
        ("5555555555554444", "mastercard"),
        ("5105105105105100", "mastercard"),
        ("2223003122003222", "mastercard"),
        (luhn_number("2221"), "mastercard"),
        (luhn_number("2720"), "mastercard"),
        ("378282246310005", "amex"),
        (luhn_number("34", 15), "amex"),
        (luhn_number("6521"), "rupay"),
        (luhn_number("6080"), "rupay"),
        (luhn_number("508"), "rupay"),
        (luhn_number("8112"), "rupay"),
        (luhn_number("82"), "rupay"),
        (luhn_number("2220"), "unknown"),
        (luhn_number("2721"), "unknown"),
        (luhn_number("50"), "unknown"),
        (luhn_number("56"), "unknown"),
        (luhn_number("35"), "unknown"),
        (luhn_number("9"), "unknown"),
    ],
)
def test_networks(number: str, network: str) -> None:
    assert luhn_valid(number)
    assert card_network(number) == network
    assert validate_card(card(number), today=TODAY) == CardDetails(network, number[-4:])


@pytest.mark.parametrize("digits", ["", "5", "22", "abc", "4²"])
def test_card_network_of_short_or_odd_input_is_unknown(digits: str) -> None:
    assert card_network(digits) == "unknown"


def test_luhn() -> None:
    assert luhn_valid("79927398713")
    assert not luhn_valid("79927398710")
    for not_digits in ("", "12a4", "٤١١١", "4111²"):
        assert not luhn_valid(not_digits)


@pytest.mark.parametrize(
    "number", ["4111 1111 1111 1111", "4111-1111-1111-1111", "4111 1111-11111111"]
)
def test_spaces_and_dashes_are_stripped(number: str) -> None:
    assert validate_card(card(number), today=TODAY) == CardDetails("visa", "1111")


@pytest.mark.parametrize(
    "number",
    [
        luhn_number("4", 12),
        luhn_number("4", 20),
        "4111111111111112",
        "4111x11111111111",
        "4111.1111.1111.1111",
        "٤١١١١١١١١١١١١١١١",
        "411111111111111²",
        "    ",
        "",
        4111111111111111,
        None,
    ],
)
def test_invalid_numbers(number: object) -> None:
    with pytest.raises(InvalidCardError) as raised:
        validate_card(card(number), today=TODAY)
    assert raised.value.field == "card.number"
    digits = "".join(char for char in str(number) if char.isdigit())
    assert not digits or digits not in raised.value.description
    assert raised.value.__cause__ is None and raised.value.__context__ is None


def test_lengths_13_and_19_are_accepted() -> None:
    for number in (luhn_number("4", 13), luhn_number("4", 19)):
        assert validate_card(card(number), today=TODAY).last4 == number[-4:]


@pytest.mark.parametrize(
    ("month", "year", "today"),
    [
        ("03", "2026", TODAY),  # the current month is still valid
        (3, 26, TODAY),
        ("3", "26", TODAY),
        ("1", "2026", JANUARY),
        (12, 2099, JANUARY),
    ],
)
def test_unexpired(month: object, year: object, today: date) -> None:
    assert validate_card(card(month=month, year=year), today=today).network == "visa"


@pytest.mark.parametrize(
    ("month", "year", "today"),
    [
        ("02", "2026", TODAY),  # the previous month
        ("12", "2025", JANUARY),  # the previous month, across a year boundary
        (12, 25, JANUARY),  # 25 means 2025
        ("12", "25", JANUARY),
        ("06", "1999", TODAY),
    ],
)
def test_expired(month: object, year: object, today: date) -> None:
    with pytest.raises(ExpiredCardError) as raised:
        validate_card(card(month=month, year=year), today=today)
    assert raised.value.field == "card.expiry_month"
    assert raised.value.description == "card has expired"


@pytest.mark.parametrize("month", [0, 13, -1, "0", "13", "ab", "", "001", "²", True, 1.0, None])
def test_malformed_month(month: object) -> None:
    with pytest.raises(ExpiredCardError) as raised:
        validate_card(card(month=month), today=TODAY)
    assert raised.value.field == "card.expiry_month"


@pytest.mark.parametrize("year", ["2", "203", "20300", "ab", "", "²⁰", 100, 10000, -1, True, None])
def test_malformed_year(year: object) -> None:
    with pytest.raises(ExpiredCardError) as raised:
        validate_card(card(year=year), today=TODAY)
    assert raised.value.field == "card.expiry_year"


@pytest.mark.parametrize("cvv", ["12", "12345", "12a", "", "١٢٣", 123, None])
def test_bad_cvv(cvv: object) -> None:
    with pytest.raises(InvalidCardError) as raised:
        validate_card(card(cvv=cvv), today=TODAY)
    assert raised.value.field == "card.cvv"
    assert not cvv or str(cvv) not in raised.value.description


@pytest.mark.parametrize("cvv", ["123", "1234", "000"])
def test_good_cvv(cvv: str) -> None:
    assert validate_card(card(cvv=cvv), today=TODAY).last4 == "1111"


def test_holder_name_is_optional_but_a_string() -> None:
    assert validate_card({**card(), "holder_name": "A Person"}, today=TODAY).network == "visa"
    with pytest.raises(InvalidCardError) as raised:
        validate_card({**card(), "holder_name": 7}, today=TODAY)
    assert raised.value.field == "card.holder_name"


@pytest.mark.parametrize("value", [None, [], "4111111111111111"])
def test_card_must_be_an_object(value: object) -> None:
    with pytest.raises(InvalidCardError) as raised:
        validate_card(value, today=TODAY)
    assert raised.value.field == "card"
    assert VISA not in raised.value.description


def test_nothing_sensitive_in_results_or_errors() -> None:
    details = validate_card(card(cvv="987"), today=TODAY)
    assert VISA not in repr(details) and "987" not in repr(details)
    failing = [
        card(number="4111111111111112", cvv="987"),
        card(month="13", cvv="987"),
        card(month="01", year="2020", cvv="987"),
        card(cvv="98"),
    ]
    for bad in failing:
        with pytest.raises((InvalidCardError, ExpiredCardError)) as raised:
            validate_card(bad, today=TODAY)
        text = f"{raised.value} {raised.value.to_body()}"
        assert "41111111111111" not in text and "987" not in text


@pytest.mark.parametrize("vpa", ["user@paytm", "a.b_c-d@okaxis", "success@razorpay", "9@B1"])
def test_valid_vpas(vpa: str) -> None:
    assert validate_vpa(vpa) == vpa


@pytest.mark.parametrize(
    "vpa",
    [
        "user",
        "user@",
        "@bank",
        "us er@bank",
        "u@b.c",
        "u@b@c",
        "u@bank\n",
        "ü@bank",
        "u@bänk",
        5,
        None,
    ],
)
def test_invalid_vpas(vpa: object) -> None:
    with pytest.raises(InvalidVpaError) as raised:
        validate_vpa(vpa)
    assert raised.value.field == "vpa"
