"""Russian taxpayer numbers (INN): 10 digits for organizations, 12 for individuals (DESIGN §5)."""

from __future__ import annotations

import re

from payserv.errors import BadRequestError

# ASCII only: str.isdigit() also accepts "²" (which int() rejects) and "٤" (which it reads as 4).
_DIGITS = re.compile(r"[0-9]+")
_WEIGHTS_10 = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_WEIGHTS_11 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_WEIGHTS_12 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)


def _check_digit(digits: str, weights: tuple[int, ...]) -> int:
    # Each weight list is one shorter than the prefix it covers, so zip stops at the check digit.
    return sum(int(d) * w for d, w in zip(digits, weights, strict=False)) % 11 % 10


def inn_checksum_valid(digits: str) -> bool:
    """Whether a 10- or 12-digit INN's check digit(s) are right (False for anything else)."""
    if not _DIGITS.fullmatch(digits):
        return False
    if len(digits) == 10:
        return _check_digit(digits, _WEIGHTS_10) == int(digits[9])
    if len(digits) == 12:
        return _check_digit(digits, _WEIGHTS_11) == int(digits[10]) and (
            _check_digit(digits, _WEIGHTS_12) == int(digits[11])
        )
    return False


def validate_inn(value: object, *, field: str = "payer_inn") -> str:
    """A valid INN string, else a 400 naming ``field`` and the rule that failed."""
    if not isinstance(value, str):
        raise BadRequestError(f"{field} must be a string of 10 or 12 digits", field=field)
    if value and not _DIGITS.fullmatch(value):  # "" falls through to the length rule
        raise BadRequestError(f"{field} must be 10 or 12 digits, nothing else", field=field)
    if len(value) not in (10, 12):
        raise BadRequestError(
            f"{field} must be 10 or 12 digits long, not {len(value)}", field=field
        )
    if not inn_checksum_valid(value):
        raise BadRequestError(f"{field} has an invalid checksum", field=field)
    return value
