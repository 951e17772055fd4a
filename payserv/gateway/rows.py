"""Rows of the gateway's tables as frozen dataclasses: one, or one page of them.

The row queries return ``*`` so that each table's column list is written once, in its
dataclass; columns the dataclass does not hold (``seq``, which only orders lists) are left out.
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

import asyncpg

from payserv.errors import NotFoundError
from payserv.listing import Listing, Page, PageRequest
from payserv.listing import fetch_page as listing_page
from payserv.queries import query

T = TypeVar("T")


def from_row(cls: type[T], row: asyncpg.Record) -> T:
    """An instance of the dataclass ``cls`` from the row's columns of the same names."""
    fields = dataclasses.fields(cls)  # type: ignore[arg-type]
    return cls(**{field.name: row[field.name] for field in fields})


async def fetch_one(
    conn: asyncpg.Connection,
    cls: type[T],
    name: str,
    *args: Any,
    missing: str,
    field: str | None = None,
) -> T:
    """The row of query ``name`` as a ``cls``, or 404 ``missing`` (e.g. another merchant's)."""
    row = await conn.fetchrow(query(name), *args)
    if row is None:
        raise NotFoundError(missing, field=field)
    return from_row(cls, row)


async def fetch_page(
    conn: asyncpg.Connection,
    cls: type[T],
    listing: Listing,
    asked: PageRequest,
    *args: Any,
    owner: str,
) -> Page[T]:
    """One page of ``listing`` among the rows of ``args`` as ``cls`` (payserv/listing.py)."""
    page = await listing_page(conn, listing, asked, *args, owner=owner)
    return page.map(lambda row: from_row(cls, row))
