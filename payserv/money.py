"""Decimal money: parsing client amounts, minor units, ISO 4217 currencies."""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation

from payserv.errors import BadRequestError

# DESIGN §2 bounds every amount; 10^12 also keeps a 2-place amount at 15 digits, well inside
# Decimal's default 28-digit context, so quantize() and scaleb() below are always exact.
MAX_AMOUNT = Decimal(10) ** 12

# Stripe's zero-decimal currencies: amounts are sent in whole units, not hundredths.
ZERO_DECIMAL_CURRENCIES = frozenset(
    {
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
    }
)


def to_decimal(value: object, field: str) -> Decimal:
    """The exact, finite Decimal of a JSON number or a plain decimal string; a 400 otherwise.

    The one parser of client decimals (amounts, prices, percentages); no range checks yet.
    """
    invalid = BadRequestError(f"{field} must be a number or a decimal string", field=field)
    # bool is an int subclass: JSON true must not become an amount of 1.
    if isinstance(value, bool):
        raise invalid
    if isinstance(value, int):
        # Decimal(int) is exact at any size; str() of a huge int raises ValueError instead.
        number = Decimal(value)
    elif isinstance(value, float):
        # repr() is the shortest round-tripping form (12.5 -> "12.5"), so no binary noise.
        number = Decimal(repr(value))
    # Decimal() alone also accepts "1_000" and non-ASCII digits ("١٢"): not decimal strings.
    elif not isinstance(value, str) or not value.isascii() or "_" in value:
        raise invalid
    else:
        try:
            number = Decimal(value)
        except InvalidOperation:
            raise invalid from None
    if not number.is_finite():
        raise BadRequestError(f"{field} must be a finite number", field=field)
    return number


def check_places(number: Decimal, field: str, max_places: int) -> Decimal:
    """``number`` if it has at most ``max_places`` decimals; a 400 otherwise, never rounded.

    Bound ``number`` first: quantize() of a value with more digits than the context holds
    (``1e400``) raises InvalidOperation.
    """
    step = Decimal(1).scaleb(-max_places)
    # Compare with the truncated value rather than normalize(): normalize() rounds to the
    # 28-digit context and would let "0.1000000000000000000000000000001" through as 0.1.
    truncated = number.quantize(step, rounding=ROUND_DOWN)
    if truncated != number:
        raise BadRequestError(f"{field} must have at most {max_places} decimals", field=field)
    # The same value either way; "0.10" followed by 20,000 zeros would reach Postgres with a
    # scale numeric cannot hold, so it goes as 0.10, while "12.1" stays as written.
    shorter = len(truncated.as_tuple().digits) < len(number.as_tuple().digits)
    return truncated if shorter else number


def parse_decimal_amount(value: object, *, field: str, max_places: int = 2) -> Decimal:
    """A finite amount in (0, 10^12] with at most ``max_places`` decimals (number or string).

    Raises :class:`BadRequestError` naming ``field``; the value is never rounded.
    """
    amount = to_decimal(value, field)
    if amount <= 0:
        raise BadRequestError(f"{field} must be greater than 0", field=field)
    if amount > MAX_AMOUNT:
        raise BadRequestError(f"{field} must be at most {MAX_AMOUNT}", field=field)
    return check_places(amount, field, max_places)


def currency_exponent(currency: str) -> int:
    """Digits after the decimal point in ``currency`` (0 for JPY, 2 for USD)."""
    return 0 if currency.upper() in ZERO_DECIMAL_CURRENCIES else 2


def quantize(amount: Decimal, currency: str) -> Decimal:
    """``amount`` rounded half-up to the currency's minor unit (``12.345 USD`` → 12.35)."""
    step = Decimal(1).scaleb(-currency_exponent(currency))
    return amount.quantize(step, rounding=ROUND_HALF_UP)


def to_minor_units(amount: Decimal, currency: str) -> int:
    """Integer minor units, rounded half-up (``12.345 USD`` → 1235, ``1000 JPY`` → 1000)."""
    return int(quantize(amount, currency).scaleb(currency_exponent(currency)))


def format_money(amount: Decimal, currency: str) -> str:
    """A decimal string with the currency's places (``"12.50"``, ``"1000"``)."""
    return f"{quantize(amount, currency):f}"


def validate_currency(value: object, *, field: str = "currency") -> str:
    """A 3-letter A–Z code (any case), returned upper-cased."""
    # isalpha() alone accepts "été"-like letters; isascii() limits it to A–Z/a–z.
    if not isinstance(value, str) or len(value) != 3 or not value.isascii() or not value.isalpha():
        raise BadRequestError(f"{field} must be a 3-letter ISO 4217 code", field=field)
    return value.upper()
