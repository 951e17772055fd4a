"""Small HTTP helpers shared by every handler: JSON in, JSON out, query parameters."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Literal, Protocol, overload

import asyncpg
from aiohttp import web

from payserv.context import POOL
from payserv.errors import BadRequestError

MAX_AMOUNT_MINOR = 10**12
MAX_BIGINT = 2**63 - 1  # the largest id a bigint column holds


def isoformat(value: datetime | None) -> str | None:
    """ISO 8601 UTC with ``Z`` (DESIGN §2)."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def dumps(value: Any) -> str:
    """The one JSON encoder of HTTP bodies."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def json_response(
    body: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> web.Response:
    """A JSON response encoded with :func:`dumps`."""
    return web.Response(
        text=dumps(body), status=status, content_type="application/json", headers=headers
    )


async def read_json_object(request: web.Request) -> dict[str, Any]:
    """The request body as a JSON object, or a 400 naming what is wrong."""
    raw = await request.read()
    if not raw:
        raise BadRequestError("request body must be a JSON object")
    try:
        body = json.loads(raw, parse_constant=_reject_constant)
    except (ValueError, UnicodeDecodeError):
        raise BadRequestError("request body is not valid JSON") from None
    except RecursionError:
        raise BadRequestError("request body is nested too deeply") from None
    if not isinstance(body, dict):
        raise BadRequestError("request body must be a JSON object")
    _reject_unstorable_text(body)
    return body


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")


def _reject_unstorable_text(body: dict[str, Any]) -> None:
    """400 for ``\\u0000`` or an unpaired surrogate anywhere: Postgres text can hold neither."""
    pending: list[Any] = [body]
    while pending:  # iterative: the body may be nested as deep as json.loads allows
        value = pending.pop()
        if isinstance(value, dict):
            pending.extend(value.keys())
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
        elif isinstance(value, str):
            _check_text(value)


def _check_text(value: str) -> None:
    if "\x00" in value:
        raise BadRequestError("request body must not contain NUL characters (\\u0000)")
    if not is_utf8(value):
        raise BadRequestError("request body must not contain unpaired UTF-16 surrogates")


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


def pagination(request: web.Request) -> tuple[int, int]:
    """``?limit=`` (1–100, default 10) and ``?offset=`` (≥ 0), strictly parsed."""
    limit = _query_int(request, "limit", 10, 1, 100)
    offset = _query_int(request, "offset", 0, 0, 2**31 - 1)
    return limit, offset


def _query_int(request: web.Request, name: str, default: int, lo: int, hi: int) -> int:
    raw = request.query.get(name)
    if raw is None:
        return default
    value = plain_int(raw, maximum=hi)
    if value is None or value < lo:
        raise BadRequestError(f"{name} must be an integer from {lo} to {hi}", field=name)
    return value


def page_body(data: list[Any], total: int, limit: int, offset: int) -> dict[str, Any]:
    """The list shape of DESIGN §2."""
    return {"data": data, "total": total, "limit": limit, "offset": offset}


class JsonObject(Protocol):
    """A row object with a public JSON form."""

    def to_json(self) -> dict[str, Any]: ...


PageFetch = Callable[[asyncpg.Connection, int, int], Awaitable[tuple[Sequence[JsonObject], int]]]


async def page_response(request: web.Request, fetch: PageFetch) -> web.Response:
    """A list endpoint: ``fetch(conn, limit, offset)`` → one page in the DESIGN §2 shape."""
    limit, offset = pagination(request)
    async with request.app[POOL].acquire() as conn:
        objects, total = await fetch(conn, limit, offset)
    return json_response(page_body([obj.to_json() for obj in objects], total, limit, offset))
