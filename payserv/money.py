"""Decimal money: parsing client amounts, minor units, ISO 4217 currencies."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from payserv.errors import BadRequestError

MAX_AMOUNT = Decimal(10) ** 12
# Stripe's zero-decimal currencies: amounts are sent in whole units.
ZERO_DECIMAL_CURRENCIES = frozenset(
    [
        "BIF",
        "CLP",
        "DJF",
        "GNF",
        "JPY",
        "KMF",
        "KRW",
        "MGA",
        "PYG",
        "RWF",
        "UGX",
        "VND",
        "VUV",
        "XAF",
        "XOF",
        "XPF",
    ]
)


def parse_decimal_amount(value: object, *, field: str, max_places: int = 2) -> Decimal:
    """A positive, finite amount with at most ``max_places`` decimals (number or string)."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise BadRequestError(f"{field} must be a number or a decimal string", field=field)
    try:
        # repr() of a float is its shortest round-tripping form: 12.5 -> "12.5".
        amount = Decimal(repr(value) if isinstance(value, float) else str(value).strip())
    except InvalidOperation:
        raise BadRequestError(
            f"{field} must be a number or a decimal string", field=field
        ) from None
    if not amount.is_finite():
        raise BadRequestError(f"{field} must be a finite number", field=field)
    if amount <= 0:
        raise BadRequestError(f"{field} must be greater than 0", field=field)
    if amount > MAX_AMOUNT:
        raise BadRequestError(f"{field} must be at most {MAX_AMOUNT}", field=field)
    exponent = amount.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > max_places:
        raise BadRequestError(f"{field} must have at most {max_places} decimals", field=field)
    return amount


def currency_exponent(currency: str) -> int:
    """Digits after the decimal point in ``currency`` (0 for JPY, 2 for USD)."""
    return 0 if currency.upper() in ZERO_DECIMAL_CURRENCIES else 2


def quantize(amount: Decimal, currency: str) -> Decimal:
    """``amount`` rounded half-up to the currency's minor unit."""
    step = Decimal(1).scaleb(-currency_exponent(currency))
    return amount.quantize(step, rounding=ROUND_HALF_UP)


def to_minor_units(amount: Decimal, currency: str) -> int:
    """Integer minor units (``12.345 USD`` → 1235, ``1000 JPY`` → 1000)."""
    return int(quantize(amount, currency).scaleb(currency_exponent(currency)))


def format_money(amount: Decimal, currency: str) -> str:
    """A decimal string with the currency's places (``"12.50"``, ``"1000"``)."""
    return f"{quantize(amount, currency):f}"


def validate_currency(value: object, *, field: str = "currency") -> str:
    """A 3-letter code, upper-cased."""
    if not isinstance(value, str) or len(value) != 3 or not value.isascii() or not value.isalpha():
        raise BadRequestError(f"{field} must be a 3-letter ISO 4217 code", field=field)
    return value.upper()
