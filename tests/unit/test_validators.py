"""Pure validation and signing helpers: instruments, INN, webhook signatures, backoff, money."""

from __future__ import annotations

import base64
import hashlib
import hmac
import random
from datetime import date
from decimal import Decimal

import pytest

from payserv.backoff import full_jitter_delay
from payserv.errors import BadRequestError, ExpiredCardError, InvalidCardError, InvalidVpaError
from payserv.inn import validate_inn
from payserv.instruments import card_network, luhn_valid, validate_card, validate_vpa
from payserv.money import format_money, parse_decimal_amount, to_minor_units, validate_currency
from payserv.webhook_signing import (
    generate_webhook_secret,
    hex_signature,
    signature_headers,
    standard_webhooks_key,
    verify_hex_signature,
)

TODAY = date(2026, 1, 15)


def with_check_digit(prefix: str, length: int) -> str:
    """A Luhn-valid number of ``length`` digits starting with ``prefix``."""
    body = prefix + "0" * (length - len(prefix) - 1)
    return next(body + str(d) for d in range(10) if luhn_valid(body + str(d)))


def card(number: str, month: object = "12", year: object = "2030", cvv: str = "123") -> dict:
    return {"number": number, "expiry_month": month, "expiry_year": year, "cvv": cvv}


@pytest.mark.parametrize(
    ("number", "network"),
    [
        ("4111111111111111", "visa"),
        ("5555555555554444", "mastercard"),
        ("2223003122003222", "mastercard"),
        ("378282246310005", "amex"),
        (with_check_digit("6521", 16), "rupay"),
        (with_check_digit("6080", 16), "rupay"),
        (with_check_digit("508", 16), "rupay"),
        (with_check_digit("8112", 16), "rupay"),
        (with_check_digit("9", 16), "unknown"),
    ],
)
def test_card_networks(number: str, network: str) -> None:
    assert card_network(number) == network
    details = validate_card(card(number), today=TODAY)
    assert (details.network, details.last4) == (network, number[-4:])


def test_spaces_and_dashes_are_stripped() -> None:
    assert validate_card(card("4111 1111-1111 1111"), today=TODAY).last4 == "1111"


@pytest.mark.parametrize(
    "number", ["4111111111111112", "411111111111", "41111111111111111111", "4111x11111111111", 4111]
)
def test_invalid_numbers_never_echo_the_number(number: object) -> None:
    with pytest.raises(InvalidCardError) as raised:
        validate_card(card(number), today=TODAY)  # type: ignore[arg-type]
    assert raised.value.field == "card.number"
    assert str(number) not in raised.value.description


def test_expiry_boundaries() -> None:
    assert validate_card(card("4111111111111111", "01", "2026"), today=TODAY)  # this month
    assert validate_card(card("4111111111111111", 1, 26), today=TODAY)  # 2-digit year
    with pytest.raises(ExpiredCardError):
        validate_card(card("4111111111111111", "12", "2025"), today=TODAY)  # last month
    for month in ("0", "13", "ab", None):
        with pytest.raises(ExpiredCardError):
            validate_card(card("4111111111111111", month), today=TODAY)


@pytest.mark.parametrize("cvv", ["12", "12345", "12a", ""])
def test_bad_cvv(cvv: str) -> None:
    with pytest.raises(InvalidCardError) as raised:
        validate_card(card("4111111111111111", cvv=cvv), today=TODAY)
    assert raised.value.field == "card.cvv"


@pytest.mark.parametrize("vpa", ["user@paytm", "a.b_c-d@okaxis", "success@razorpay"])
def test_valid_vpas(vpa: str) -> None:
    assert validate_vpa(vpa) == vpa


@pytest.mark.parametrize("vpa", ["user", "user@", "@bank", "us er@bank", "u@b.c", 5, None])
def test_invalid_vpas(vpa: object) -> None:
    with pytest.raises(InvalidVpaError):
        validate_vpa(vpa)


@pytest.mark.parametrize("inn", ["7707083893", "500100732259"])
def test_valid_inns(inn: str) -> None:
    assert validate_inn(inn) == inn


@pytest.mark.parametrize(
    ("inn", "rule"),
    [
        ("7707083894", "checksum"),
        ("500100732258", "checksum"),
        ("12345", "10 or 12"),
        ("77070838931", "10 or 12"),
        ("77070838a3", "10 or 12"),
        (7707083893, "string"),
    ],
)
def test_invalid_inns(inn: object, rule: str) -> None:
    with pytest.raises(BadRequestError, match=rule) as raised:
        validate_inn(inn)
    assert raised.value.field == "payer_inn"


def test_hex_signature_matches_hmac_and_verifies() -> None:
    body = b'{"event":"payment.success"}'
    expected = hmac.new(b"whsec_test_abc123", body, hashlib.sha256).hexdigest()
    assert hex_signature("whsec_test_abc123", body) == expected
    assert verify_hex_signature("whsec_test_abc123", body, expected.upper())
    assert not verify_hex_signature("whsec_test_abc123", body + b" ", expected)


def test_standard_webhooks_key_rule() -> None:
    generated = generate_webhook_secret()
    assert len(standard_webhooks_key(generated)) == 32
    # The seeded secret's tail is not base64: its UTF-8 bytes are the key.
    assert standard_webhooks_key("whsec_test_abc123") == b"whsec_test_abc123"


def test_standard_webhooks_signature() -> None:
    secret = "whsec_" + base64.b64encode(b"k" * 32).decode()
    body = b'{"a":1}'
    headers = signature_headers(secret, "msg_1", 1700000000, body)
    digest = hmac.new(b"k" * 32, b"msg_1.1700000000." + body, hashlib.sha256).digest()
    assert headers["webhook-signature"] == "v1," + base64.b64encode(digest).decode()
    assert headers["webhook-id"] == "msg_1" and headers["webhook-timestamp"] == "1700000000"
    assert headers["X-Webhook-Signature"] == hex_signature(secret, body)


def test_full_jitter_bounds_scale_and_spread() -> None:
    rng = random.Random(7)
    for k in range(10):
        draws = [full_jitter_delay(k, rng=rng) for _ in range(500)]
        assert all(0 <= d < min(64, 2**k) for d in draws)
        assert len(set(draws)) > 400  # jittered, not constant
    assert all(full_jitter_delay(9, scale=0.01, rng=rng) < 0.64 for _ in range(200))


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
