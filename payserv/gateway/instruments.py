"""Gateway payment-method validation: VPA and card (DESIGN §4).

Only a card's network and last four digits leave this module; errors never quote
the number or the CVV.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from payserv.errors import ExpiredCardError, InvalidCardError, InvalidVpaError

_VPA = re.compile(r"[a-zA-Z0-9._-]+@[a-zA-Z0-9]+")
# ASCII only: str.isdigit() also accepts "²" (which int() rejects) and "٤" (which it reads as 4).
_DIGITS = re.compile(r"[0-9]+")
_SEPARATORS = re.compile(r"[ -]")


@dataclass(frozen=True)
class CardDetails:
    """What payserv keeps of a card: never the number or the CVV."""

    network: str
    last4: str


def validate_vpa(vpa: object) -> str:
    """A UPI VPA such as ``user@bank``, else INVALID_VPA."""
    if not isinstance(vpa, str) or not _VPA.fullmatch(vpa):
        raise InvalidVpaError("vpa must look like name@bank", field="vpa")
    return vpa


def luhn_valid(digits: str) -> bool:
    """Whether a string of ASCII digits passes the Luhn check (False for anything else)."""
    if not _DIGITS.fullmatch(digits):
        return False
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def card_network(digits: str) -> str:
    """visa, mastercard, amex, rupay or unknown, from the number's leading digits."""
    if not _DIGITS.fullmatch(digits):
        return "unknown"
    if digits.startswith("4"):
        return "visa"
    # The length guards keep a short prefix such as "5" from reading as 5 rather than 5x.
    if len(digits) >= 2 and 51 <= int(digits[:2]) <= 55:
        return "mastercard"
    if len(digits) >= 4 and 2221 <= int(digits[:4]) <= 2720:
        return "mastercard"
    if digits.startswith(("34", "37")):
        return "amex"
    # 65 is also Discover's range; DESIGN §4 (an Indian gateway) files it under RuPay.
    if digits.startswith(("60", "65", "81", "82", "508")):
        return "rupay"
    return "unknown"


def validate_card(card: object, *, today: date) -> CardDetails:
    """Check number, expiry and CVV; return only the network and last four digits."""
    if not isinstance(card, dict):
        raise InvalidCardError("card must be an object", field="card")
    digits = card_digits(card.get("number"))
    # A card is valid through the last day of its expiry month.
    if _expiry(card.get("expiry_month"), card.get("expiry_year")) < (today.year, today.month):
        raise ExpiredCardError("card has expired", field="card.expiry_month")
    _check_cvv(card.get("cvv"))
    holder = card.get("holder_name")
    if holder is not None and not isinstance(holder, str):
        raise InvalidCardError("holder_name must be a string", field="card.holder_name")
    return CardDetails(network=card_network(digits), last4=digits[-4:])


def card_digits(number: object) -> str:
    """The digits of a valid card number (spaces and dashes dropped), else INVALID_CARD."""
    if not isinstance(number, str):
        raise InvalidCardError("card number must be a string", field="card.number")
    digits = _SEPARATORS.sub("", number)
    if not _DIGITS.fullmatch(digits):
        raise InvalidCardError(
            "card number may contain only digits, spaces and dashes", field="card.number"
        )
    if not 13 <= len(digits) <= 19:
        raise InvalidCardError("card number must have 13 to 19 digits", field="card.number")
    if not luhn_valid(digits):
        raise InvalidCardError("card number is not valid", field="card.number")
    return digits


def _expiry(month: object, year: object) -> tuple[int, int]:
    """(year, month) of the expiry; malformed values are EXPIRED_CARD, the seed's code."""
    month_value = _expiry_month(month)
    year_value = _expiry_year(year)
    if month_value is None or not 1 <= month_value <= 12:
        raise ExpiredCardError("expiry_month must be 1 to 12", field="card.expiry_month")
    if year_value is None:
        raise ExpiredCardError("expiry_year must be YY or YYYY", field="card.expiry_year")
    return year_value, month_value


def _expiry_month(value: object) -> int | None:
    if isinstance(value, str):
        # Two characters at most, so a huge digit string never reaches int().
        return int(value) if _DIGITS.fullmatch(value) and len(value) <= 2 else None
    return _plain_int(value)


def _expiry_year(value: object) -> int | None:
    if isinstance(value, str):
        if not _DIGITS.fullmatch(value) or len(value) not in (2, 4):
            return None
        year = int(value)
        return year + 2000 if len(value) == 2 else year
    year_int = _plain_int(value)
    if year_int is None:
        return None
    # An int has lost any leading zero, so 0-99 is a two-digit year ("05" arrives as 5).
    if 0 <= year_int <= 99:
        return year_int + 2000
    return year_int if 1000 <= year_int <= 9999 else None


def _plain_int(value: object) -> int | None:
    # bool is an int subclass, and JSON true is not a month or a year.
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _check_cvv(cvv: object) -> None:
    if not isinstance(cvv, str) or not _DIGITS.fullmatch(cvv) or not 3 <= len(cvv) <= 4:
        raise InvalidCardError("cvv must be 3 or 4 digits", field="card.cvv")
