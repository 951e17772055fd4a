"""Shop orders: lines with quantities, one currency, an optional discount and taxes."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import asyncpg

from payserv.errors import BadRequestError, NotFoundError
from payserv.fields import isoformat
from payserv.listing import Page, PageRequest
from payserv.queries import query
from payserv.shop.catalog import (
    Discount,
    Tax,
    discount_from_row,
    fetch_page,
    found,
    get_discount,
    get_items,
    get_taxes,
    money_text,
    tax_from_row,
)
from payserv.shop.money import OrderTotals, order_totals


@dataclass(frozen=True)
class OrderLine:
    """One item of an order at its current catalog price."""

    item_id: int
    name: str
    description: str
    quantity: int
    unit_price: Decimal


@dataclass(frozen=True)
class Order:
    """An order with everything needed to price it."""

    id: int
    currency: str
    lines: tuple[OrderLine, ...]
    discount: Discount | None
    taxes: tuple[Tax, ...]
    paid: bool
    created_at: datetime

    @property
    def totals(self) -> OrderTotals:
        """The one computation used for the JSON, Checkout line items and PaymentIntent."""
        return order_totals(self)

    def to_json(self) -> dict[str, Any]:
        totals = self.totals
        return {
            "id": self.id,
            "currency": self.currency,
            "lines": [
                {
                    "item_id": line.item_id,
                    "name": line.name,
                    "quantity": line.quantity,
                    "unit_price": money_text(line.unit_price, self.currency),
                }
                for line in self.lines
            ],
            "discount": self.discount.to_json() if self.discount else None,
            "taxes": [tax.to_json() for tax in self.taxes],
            "subtotal": money_text(totals.subtotal, self.currency),
            "discount_amount": money_text(totals.discount_amount, self.currency),
            "tax_amount": money_text(totals.tax_amount, self.currency),
            "total": money_text(totals.total, self.currency),
            "paid": self.paid,
            "created_at": isoformat(self.created_at),
        }


@dataclass(frozen=True)
class NewOrder:
    """A validated order request: ``(item_id, quantity)`` lines, discount and tax ids."""

    lines: tuple[tuple[int, int], ...]
    discount_id: int | None
    tax_ids: tuple[int, ...]


async def create_order(conn: asyncpg.Connection, new: NewOrder) -> Order:
    """Insert an order after checking its items, currency, discount and taxes exist and agree."""
    item_ids = [item_id for item_id, _ in new.lines]
    items = await get_items(conn, item_ids)
    for item_id in item_ids:
        found(items.get(item_id), f"item {item_id}", field="items")
    currencies = {items[item_id].currency for item_id in item_ids}
    if len(currencies) > 1:
        raise BadRequestError(
            f"an order has one currency; items are in {', '.join(sorted(currencies))}",
            field="items",
        )
    currency = currencies.pop()
    if new.discount_id is not None:
        discount = found(
            await get_discount(conn, new.discount_id),
            f"discount {new.discount_id}",
            field="discount_id",
        )
        if discount.currency is not None and discount.currency != currency:
            raise BadRequestError(
                f"discount is in {discount.currency}, the order is in {currency}",
                field="discount_id",
            )
    taxes = await get_taxes(conn, list(new.tax_ids))
    if len(taxes) != len(new.tax_ids):
        missing = sorted(set(new.tax_ids) - {tax.id for tax in taxes})
        raise NotFoundError(f"tax {missing[0]} does not exist", field="tax_ids")
    row = await conn.fetchrow(query("shop_insert_order"), currency, new.discount_id)
    quantities = [quantity for _, quantity in new.lines]
    await conn.execute(query("shop_insert_order_lines"), row["id"], item_ids, quantities)
    if new.tax_ids:
        await conn.execute(query("shop_insert_order_taxes"), row["id"], list(new.tax_ids))
    order = await get_order(conn, row["id"])
    assert order is not None
    return order


async def get_order(conn: asyncpg.Connection, order_id: int) -> Order | None:
    """An order with its lines, discount and taxes, if it exists."""
    row = await conn.fetchrow(query("shop_get_order"), order_id)
    return (await _load(conn, [row]))[0] if row else None


async def require_order(conn: asyncpg.Connection, order_id: int) -> Order:
    """The order, or 404."""
    return found(await get_order(conn, order_id), f"order {order_id}")


async def list_orders(conn: asyncpg.Connection, asked: PageRequest) -> Page[Order]:
    """A page of orders and the total count, in a fixed number of queries whatever the page."""
    page = await fetch_page(conn, "orders", asked)
    return Page(await _load(conn, page.items), page.total, page.has_more)


async def _load(conn: asyncpg.Connection, rows: list[asyncpg.Record]) -> list[Order]:
    """Orders with their lines, discounts and taxes: three queries for the lot, not per order."""
    if not rows:
        return []
    order_ids = [row["id"] for row in rows]
    lines = await _lines_by_order(conn, order_ids)
    taxes: dict[int, list[Tax]] = defaultdict(list)
    for tax in await conn.fetch(query("shop_get_orders_taxes"), order_ids):
        taxes[tax["order_id"]].append(tax_from_row(tax))
    discount_ids = list({row["discount_id"] for row in rows if row["discount_id"] is not None})
    discount_rows = await conn.fetch(query("shop_get_discounts"), discount_ids)
    discounts = {row["id"]: discount_from_row(row) for row in discount_rows}
    return [
        Order(
            id=row["id"],
            currency=row["currency"],
            lines=tuple(lines[row["id"]]),
            discount=discounts.get(row["discount_id"]),
            taxes=tuple(taxes[row["id"]]),
            paid=row["paid"],
            created_at=row["created_at"],
        )
        for row in rows
    ]


async def _lines_by_order(
    conn: asyncpg.Connection, order_ids: list[int]
) -> dict[int, list[OrderLine]]:
    lines: dict[int, list[OrderLine]] = defaultdict(list)
    for line in await conn.fetch(query("shop_get_orders_lines"), order_ids):
        lines[line["order_id"]].append(
            OrderLine(
                item_id=line["item_id"],
                name=line["name"],
                description=line["description"],
                quantity=line["quantity"],
                unit_price=line["unit_price"],
            )
        )
    return lines
