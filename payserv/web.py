"""Small HTTP helpers shared by every handler: JSON in, JSON out, query parameters."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol

import asyncpg
from aiohttp import web

from payserv.context import POOL
from payserv.errors import BadRequestError
from payserv.fields import is_utf8, plain_int
from payserv.listing import Page, PageRequest


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
        # json.loads(raw, parse_constant=…) without a new decoder per call.
        body = _DECODER.decode(raw.decode(json.detect_encoding(raw), "surrogatepass"))
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


# NaN and Infinity are not JSON (Python's decoder takes them unless told otherwise).
_DECODER = json.JSONDecoder(parse_constant=_reject_constant)


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


def pagination(request: web.Request) -> PageRequest:
    """``?limit=`` (1–100, default 10), ``?offset=`` (≥ 0) and ``?starting_after=<id>``."""
    limit = _query_int(request, "limit", 10, 1, 100)
    offset = _query_int(request, "offset", 0, 0, 2**31 - 1)
    starting_after = request.query.get("starting_after")
    if starting_after == "":
        raise BadRequestError("starting_after must be an object id", field="starting_after")
    return PageRequest(limit, offset, starting_after)


def _query_int(request: web.Request, name: str, default: int, lo: int, hi: int) -> int:
    raw = request.query.get(name)
    if raw is None:
        return default
    value = plain_int(raw, maximum=hi)
    if value is None or value < lo:
        raise BadRequestError(f"{name} must be an integer from {lo} to {hi}", field=name)
    return value


def page_body(page: Page[Any], asked: PageRequest) -> dict[str, Any]:
    """The list shape of DESIGN §2 (``page``'s items already in their JSON form)."""
    return {
        "data": page.items,
        "total": page.total,
        "limit": asked.limit,
        "offset": asked.offset,
        "has_more": page.has_more,
    }


class JsonObject(Protocol):
    """A row object with a public JSON form."""

    def to_json(self) -> dict[str, Any]: ...


PageFetch = Callable[[asyncpg.Connection, PageRequest], Awaitable[Page[Any]]]


async def fetch_json_page(request: web.Request, fetch: PageFetch) -> tuple[Page[Any], PageRequest]:
    """The page the request asks for, ``fetch(conn, asked)``, with its items as JSON."""
    asked = pagination(request)
    async with request.app[POOL].acquire() as conn:
        page: Page[JsonObject] = await fetch(conn, asked)
    return page.map(lambda obj: obj.to_json()), asked


async def page_response(request: web.Request, fetch: PageFetch) -> web.Response:
    """A list endpoint: ``fetch(conn, asked)`` → one page in the DESIGN §2 shape."""
    page, asked = await fetch_json_page(request, fetch)
    return json_response(page_body(page, asked))
