"""Russian taxpayer numbers (INN): 10 digits for organizations, 12 for individuals."""

from __future__ import annotations

from payserv.errors import BadRequestError

_WEIGHTS_10 = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_WEIGHTS_11 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_WEIGHTS_12 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)


def _check_digit(digits: str, weights: tuple[int, ...]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights, strict=False)) % 11 % 10


def inn_checksum_valid(digits: str) -> bool:
    """The check digit(s) of a 10- or 12-digit INN."""
    if len(digits) == 10:
        return _check_digit(digits, _WEIGHTS_10) == int(digits[9])
    if len(digits) == 12:
        return _check_digit(digits, _WEIGHTS_11) == int(digits[10]) and _check_digit(
            digits, _WEIGHTS_12
        ) == int(digits[11])
    return False


def validate_inn(value: object, *, field: str = "payer_inn") -> str:
    """A valid INN string, else a 400 naming ``field`` and the rule that failed."""
    if not isinstance(value, str):
        raise BadRequestError(f"{field} must be a string of 10 or 12 digits", field=field)
    if not value.isascii() or not value.isdigit() or len(value) not in (10, 12):
        raise BadRequestError(f"{field} must be 10 or 12 digits", field=field)
    if not inn_checksum_valid(value):
        raise BadRequestError(f"{field} has an invalid checksum", field=field)
    return value
