"""Small HTTP helpers shared by every handler: JSON in, JSON out, query parameters."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Protocol

import asyncpg
from aiohttp import web

from payserv.context import POOL
from payserv.errors import BadRequestError
from payserv.fields import is_utf8, plain_int


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
