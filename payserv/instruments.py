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
_SEPARATORS = re.compile(r"[ -]")


@dataclass(frozen=True)
class CardDetails:
    """What payserv keeps of a card."""

    network: str
    last4: str


def validate_vpa(vpa: object) -> str:
    """A UPI VPA such as ``user@bank``, else INVALID_VPA."""
    if not isinstance(vpa, str) or not _VPA.fullmatch(vpa):
        raise InvalidVpaError("vpa must look like name@bank", field="vpa")
    return vpa


def luhn_valid(digits: str) -> bool:
    """The Luhn checksum of a string of digits."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def card_network(digits: str) -> str:
    """visa, mastercard, amex, rupay or unknown, from the number's prefix."""
    if digits.startswith("4"):
        return "visa"
    if 51 <= int(digits[:2]) <= 55 or 2221 <= int(digits[:4]) <= 2720:
        return "mastercard"
    if digits[:2] in ("34", "37"):
        return "amex"
    if digits[:2] in ("60", "65", "81", "82") or digits.startswith("508"):
        return "rupay"
    return "unknown"


def validate_card(card: object, *, today: date) -> CardDetails:
    """Check number, expiry and CVV; return only the network and last four digits."""
    if not isinstance(card, dict):
        raise InvalidCardError("card must be an object", field="card")
    digits = _card_number(card.get("number"))
    month, year = _expiry(card.get("expiry_month"), card.get("expiry_year"))
    if (year, month) < (today.year, today.month):
        raise ExpiredCardError("card has expired", field="card.expiry_month")
    cvv = card.get("cvv")
    if not isinstance(cvv, str) or not cvv.isdigit() or not 3 <= len(cvv) <= 4:
        raise InvalidCardError("cvv must be 3 or 4 digits", field="card.cvv")
    holder = card.get("holder_name")
    if holder is not None and not isinstance(holder, str):
        raise InvalidCardError("holder_name must be a string", field="card.holder_name")
    return CardDetails(network=card_network(digits), last4=digits[-4:])


def _card_number(number: object) -> str:
    if not isinstance(number, str):
        raise InvalidCardError("card number must be a string", field="card.number")
    digits = _SEPARATORS.sub("", number)
    if not digits.isdigit() or not 13 <= len(digits) <= 19:
        raise InvalidCardError("card number must have 13 to 19 digits", field="card.number")
    if not luhn_valid(digits):
        raise InvalidCardError("card number is not valid", field="card.number")
    return digits


def _expiry(month: object, year: object) -> tuple[int, int]:
    month_value, year_value = _as_int(month), _as_int(year)
    if month_value is None or not 1 <= month_value <= 12:
        raise ExpiredCardError("expiry_month must be 1 to 12", field="card.expiry_month")
    if year_value is None or not (0 <= year_value <= 99 or 2000 <= year_value <= 2199):
        raise ExpiredCardError("expiry_year must be YY or YYYY", field="card.expiry_year")
    return month_value, year_value + 2000 if year_value < 100 else year_value


def _as_int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit() and len(value) <= 4:
        return int(value)
    return None
