"""The shop's tables as ``/admin/`` shows them: the newest rows of each, column by column."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import asyncpg

from payserv.queries import query

ROWS_PER_TABLE = 100


@dataclass(frozen=True)
class Table:
    """One shop table: an anchor ``slug``, a heading, its column names and rows of values."""

    slug: str
    title: str
    columns: tuple[str, ...]
    rows: list[list[Any]]


# (slug, title, list query taking $1 limit, $2 offset and a cursor (NULL here), columns shown)
_TABLES: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("items", "Items", "shop_list_items", ("id", "name", "price", "currency", "created_at")),
    (
        "orders",
        "Orders",
        "shop_list_orders",
        ("id", "currency", "discount_id", "paid", "created_at"),
    ),
    (
        "discounts",
        "Discounts",
        "shop_list_discounts",
        ("id", "name", "percent_off", "amount_off", "currency", "created_at"),
    ),
    ("taxes", "Taxes", "shop_list_taxes", ("id", "name", "percentage", "inclusive", "created_at")),
    (
        "purchases",
        "Stripe purchases",
        "shop_list_purchases",
        ("id", "reference", "kind", "stripe_id", "amount", "currency", "status", "paid_at"),
    ),
)


async def shop_tables(conn: asyncpg.Connection) -> list[Table]:
    """Items, orders, discounts, taxes and Stripe purchases, newest first, at most 100 each."""
    tables = []
    for slug, title, name, columns in _TABLES:
        rows = await conn.fetch(query(name), ROWS_PER_TABLE, 0, None, None)
        values = [[row[column] for column in columns] for row in rows]
        tables.append(Table(slug, title, columns, values))
    return tables
