"""One page of a list (DESIGN §2): by ``offset`` or after a cursor object, with an exact total.

Every list is newest first: ``created_at`` descending, ties by a per-table insertion number
(``seq``, or an identity ``id``) descending, served by an index on (owner, created_at DESC,
seq DESC). ``starting_after`` turns into that pair of the cursor object, looked up among the
owner's rows only (someone else's is a 404), so a page after any object is an index range
scan of ``limit + 1`` rows; the extra row says ``has_more``. The total is the sum of the
owner's counter shards that the tables' triggers keep (schema.sql, ``list_counts``): no list
counts its rows.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import asyncpg

from payserv.errors import NotFoundError
from payserv.fields import is_utf8
from payserv.queries import query

T = TypeVar("T")
U = TypeVar("U")

_BIGINT_MAX = 2**63 - 1


@dataclass(frozen=True)
class PageRequest:
    """What the caller asked for: ``limit``, ``offset`` and the optional cursor id."""

    limit: int = 10
    offset: int = 0
    starting_after: str | None = None


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of objects, the owner's exact total, and whether more follow this page."""

    items: list[T]
    total: int
    has_more: bool

    def map(self, convert: Callable[[T], U]) -> Page[U]:
        """The same page with every item converted."""
        return Page([convert(item) for item in self.items], self.total, self.has_more)


def text_id(raw: str) -> str:
    """A text id as given (Postgres text can hold neither NUL nor a lone surrogate)."""
    if "\x00" in raw or not is_utf8(raw):
        raise ValueError(raw)
    return raw


def bigint_id(raw: str) -> int:
    """A positive bigint id in plain decimal digits."""
    if not raw.isascii() or not raw.isdigit() or len(raw) > 19 or int(raw) > _BIGINT_MAX:
        raise ValueError(raw)
    return int(raw)


def uuid_id(raw: str) -> uuid.UUID:
    """A UUID id."""
    return uuid.UUID(raw)


@dataclass(frozen=True)
class Listing:
    """One list's named queries and counter.

    ``page``: the owner parameters, then limit, offset, and the cursor's (created_at, seq),
    both NULL for the first page. ``cursor``: the owner parameters, then the id; one row
    (created_at, seq) when the owner can see that object. ``counter``: the list's name in
    ``list_counts``. ``parse_id``: the id's Python value (ValueError when malformed).
    """

    page: str
    cursor: str
    counter: str
    parse_id: Callable[[str], Any] = text_id


async def fetch_page(
    conn: asyncpg.Connection,
    listing: Listing,
    request: PageRequest,
    *owner_args: Any,
    owner: str = "",
) -> Page[asyncpg.Record]:
    """The page ``request`` names among the rows of ``owner_args`` (counted under ``owner``)."""
    after = await _cursor(conn, listing, request.starting_after, owner_args)
    rows = await conn.fetch(
        query(listing.page), *owner_args, request.limit + 1, request.offset, *after
    )
    count = await total(conn, listing, owner)
    return Page(list(rows[: request.limit]), count, len(rows) > request.limit)


async def total(conn: asyncpg.Connection, listing: Listing, owner: str = "") -> int:
    """The exact number of the owner's rows in the list: the sum of its counter shards."""
    return int(await conn.fetchval(query("list_total"), listing.counter, owner))


async def _cursor(
    conn: asyncpg.Connection, listing: Listing, raw: str | None, owner_args: tuple[Any, ...]
) -> tuple[Any, Any]:
    if raw is None:
        return None, None
    try:
        object_id = listing.parse_id(raw)
    except ValueError:
        object_id = None  # malformed: names nothing, like an id nobody owns
    row = None
    if object_id is not None:
        row = await conn.fetchrow(query(listing.cursor), *owner_args, object_id)
    if row is None:
        raise NotFoundError("starting_after names no object in this list", field="starting_after")
    return row[0], row[1]
