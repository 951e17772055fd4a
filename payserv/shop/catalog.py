"""Shop catalog: items, discounts and taxes (DESIGN §7)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

import asyncpg
from asyncpg import Record

from payserv.errors import NotFoundError
from payserv.fields import isoformat
from payserv.listing import Listing, Page, PageRequest, bigint_id
from payserv.listing import fetch_page as listing_page
from payserv.money import format_money
from payserv.queries import query


@dataclass(frozen=True)
class Item:
    """Something for sale at one price in one currency."""

    id: int
    name: str
    description: str
    price: Decimal
    currency: str
    created_at: datetime

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "price": money_text(self.price, self.currency),
            "currency": self.currency,
            "created_at": isoformat(self.created_at),
        }


@dataclass(frozen=True)
class Discount:
    """Exactly one of a percentage or an amount in one currency."""

    id: int
    name: str
    percent_off: Decimal | None
    amount_off: Decimal | None
    currency: str | None
    created_at: datetime

    def to_json(self) -> dict[str, Any]:
        amount = None
        if self.amount_off is not None and self.currency is not None:
            amount = money_text(self.amount_off, self.currency)
        return {
            "id": self.id,
            "name": self.name,
            "percent_off": number(self.percent_off) if self.percent_off is not None else None,
            "amount_off": amount,
            "currency": self.currency,
            "created_at": isoformat(self.created_at),
        }


@dataclass(frozen=True)
class Tax:
    """A tax rate, included in prices (``inclusive``) or added on top."""

    id: int
    name: str
    percentage: Decimal
    inclusive: bool
    created_at: datetime

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "percentage": number(self.percentage),
            "inclusive": self.inclusive,
            "created_at": isoformat(self.created_at),
        }


def money_text(amount: Decimal, currency: str) -> str:
    """A decimal string with the currency's number of decimals (``"12.50"``, ``"1500"``)."""
    return format_money(amount, currency)


def number(value: Decimal) -> int | float:
    """A percentage as a JSON number: ``10`` or ``12.5``."""
    normalized = value.normalize()
    if normalized == normalized.to_integral_value():
        return int(normalized)
    return float(normalized)


T = TypeVar("T")


def found(value: T | None, what: str, *, field: str | None = None) -> T:
    """``value``, or 404 ``<what> does not exist`` (naming ``field`` when it came from one)."""
    if value is None:
        raise NotFoundError(f"{what} does not exist", field=field)
    return value


def shop_listing(noun: str) -> Listing:
    """The list of ``shop_<noun>``: one page for everyone, ids are bigints."""
    return Listing(f"shop_list_{noun}", f"shop_{noun}_cursor", f"shop_{noun}", bigint_id)


async def fetch_page(conn: asyncpg.Connection, noun: str, asked: PageRequest) -> Page[Record]:
    """The page ``asked`` of ``shop_<noun>`` as rows, with the exact total (payserv/listing.py)."""
    return await listing_page(conn, shop_listing(noun), asked)


def _fields(row: asyncpg.Record, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: row[name] for name in names}


_ITEM = ("id", "name", "description", "price", "currency", "created_at")
_DISCOUNT = ("id", "name", "percent_off", "amount_off", "currency", "created_at")
_TAX = ("id", "name", "percentage", "inclusive", "created_at")


def item_from_row(row: asyncpg.Record) -> Item:
    return Item(**_fields(row, _ITEM))


def discount_from_row(row: asyncpg.Record) -> Discount:
    return Discount(**_fields(row, _DISCOUNT))


def tax_from_row(row: asyncpg.Record) -> Tax:
    return Tax(**_fields(row, _TAX))


async def insert_item(
    conn: asyncpg.Connection, name: str, description: str, price: Decimal, currency: str
) -> Item:
    """Insert an item."""
    return item_from_row(
        await conn.fetchrow(query("shop_insert_item"), name, description, price, currency)
    )


async def update_item(
    conn: asyncpg.Connection,
    item_id: int,
    changes: dict[str, Any],
) -> Item | None:
    """Apply ``changes`` (name, description, price, currency); None for an unknown id."""
    row = await conn.fetchrow(
        query("shop_update_item"),
        item_id,
        changes.get("name"),
        changes.get("description"),
        changes.get("price"),
        changes.get("currency"),
    )
    return item_from_row(row) if row else None


async def get_item(conn: asyncpg.Connection, item_id: int) -> Item | None:
    """One item, if it exists."""
    row = await conn.fetchrow(query("shop_get_item"), item_id)
    return item_from_row(row) if row else None


async def require_item(conn: asyncpg.Connection, item_id: int) -> Item:
    """The item, or 404."""
    return found(await get_item(conn, item_id), f"item {item_id}")


async def get_items(conn: asyncpg.Connection, item_ids: list[int]) -> dict[int, Item]:
    """The items among ``item_ids`` that exist, by id."""
    rows = await conn.fetch(query("shop_get_items"), item_ids)
    return {row["id"]: item_from_row(row) for row in rows}


async def list_items(conn: asyncpg.Connection, asked: PageRequest) -> Page[Item]:
    """A page of items and the total count."""
    return (await fetch_page(conn, "items", asked)).map(item_from_row)


async def insert_discount(
    conn: asyncpg.Connection,
    name: str,
    percent_off: Decimal | None,
    amount_off: Decimal | None,
    currency: str | None,
) -> Discount:
    """Insert a discount (exactly one kind; checked by the caller and the table)."""
    row = await conn.fetchrow(
        query("shop_insert_discount"), name, percent_off, amount_off, currency
    )
    return discount_from_row(row)


async def get_discount(conn: asyncpg.Connection, discount_id: int) -> Discount | None:
    """One discount, if it exists."""
    row = await conn.fetchrow(query("shop_get_discount"), discount_id)
    return discount_from_row(row) if row else None


async def list_discounts(conn: asyncpg.Connection, asked: PageRequest) -> Page[Discount]:
    """A page of discounts and the total count."""
    return (await fetch_page(conn, "discounts", asked)).map(discount_from_row)


async def insert_tax(
    conn: asyncpg.Connection, name: str, percentage: Decimal, inclusive: bool
) -> Tax:
    """Insert a tax."""
    return tax_from_row(await conn.fetchrow(query("shop_insert_tax"), name, percentage, inclusive))


async def get_taxes(conn: asyncpg.Connection, tax_ids: list[int]) -> list[Tax]:
    """The taxes among ``tax_ids`` that exist, in id order."""
    return [tax_from_row(row) for row in await conn.fetch(query("shop_get_taxes"), tax_ids)]


async def list_taxes(conn: asyncpg.Connection, asked: PageRequest) -> Page[Tax]:
    """A page of taxes and the total count."""
    return (await fetch_page(conn, "taxes", asked)).map(tax_from_row)
