"""Plain-value field checks shared by handlers and domain code (no aiohttp here).

Handlers turn requests into plain values; domain functions validate them with these
helpers and raise :class:`~payserv.errors.BadRequestError` naming the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Literal, overload

from payserv.errors import BadRequestError

MAX_AMOUNT_MINOR = 10**12
MAX_BIGINT = 2**63 - 1  # the largest id a bigint column holds


def isoformat(value: datetime | None) -> str | None:
    """ISO 8601 UTC with ``Z`` (DESIGN §2)."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def is_utf8(value: str) -> bool:
    """Whether ``value`` encodes as UTF-8: no lone surrogates.

    aiohttp keeps header bytes that are not UTF-8 as lone surrogates ("surrogateescape"),
    which neither hashing (``str.encode``) nor asyncpg can take: check before using a header.
    """
    if value.isascii():
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def plain_int(raw: str, *, maximum: int) -> int | None:
    """``raw`` as an int in [0, ``maximum``] if it is ASCII digits only; None otherwise.

    Never int() on an unbounded string: Python refuses more than 4,300 digits (a ValueError),
    and a number that long is out of range anyway.
    """
    # isdigit() alone accepts "²" and other non-ASCII digits, which int() refuses.
    if not (raw.isascii() and raw.isdigit()):
        return None
    digits = raw.lstrip("0") or "0"
    if len(digits) > len(str(maximum)):
        return None
    value = int(digits)
    return value if value <= maximum else None


@overload
def require_str(
    body: Mapping[str, Any],
    name: str,
    *,
    min_length: int = 1,
    max_length: int = 255,
    required: Literal[True] = True,
) -> str: ...


@overload
def require_str(
    body: Mapping[str, Any],
    name: str,
    *,
    min_length: int = 1,
    max_length: int = 255,
    required: bool,
) -> str | None: ...


def require_str(
    body: Mapping[str, Any],
    name: str,
    *,
    min_length: int = 1,
    max_length: int = 255,
    required: bool = True,
) -> str | None:
    """A string field within length bounds; None when optional and absent."""
    value = body.get(name)
    if value is None:
        if required:
            raise BadRequestError(f"{name} is required", field=name)
        return None
    if not isinstance(value, str):
        raise BadRequestError(f"{name} must be a string", field=name)
    if not min_length <= len(value) <= max_length:
        raise BadRequestError(
            f"{name} must be {min_length} to {max_length} characters long", field=name
        )
    return value


def require_int(
    body: Mapping[str, Any],
    name: str,
    *,
    minimum: int | None = None,
    maximum: int | None = MAX_AMOUNT_MINOR,
) -> int:
    """An integer field (JSON booleans and floats are refused) within bounds."""
    value = body.get(name)
    if value is None:
        raise BadRequestError(f"{name} is required", field=name)
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadRequestError(f"{name} must be an integer", field=name)
    if minimum is not None and value < minimum:
        raise BadRequestError(f"{name} must be at least {minimum}", field=name)
    if maximum is not None and value > maximum:
        raise BadRequestError(f"{name} must be at most {maximum}", field=name)
    return value
