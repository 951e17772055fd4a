"""Demo shop catalog for ``python run.py seed`` (idempotent)."""

from __future__ import annotations

from decimal import Decimal

import asyncpg

from payserv.queries import query
from payserv.shop.catalog import insert_discount, insert_item, insert_tax
from payserv.shop.orders import NewOrder, create_order

DEMO_ITEMS = (
    ("Coffee mug", "A white ceramic mug, 350 ml.", Decimal("12.50"), "USD"),
    ("T-shirt", "Organic cotton, size M.", Decimal("20.00"), "USD"),
    ("Notebook", "A5, dotted, 120 pages.", Decimal("9.90"), "EUR"),
    ("Tea set", "Cast-iron teapot with two cups.", Decimal("4500"), "JPY"),
)


async def seed_shop(conn: asyncpg.Connection) -> list[str]:
    """Items in USD, EUR and JPY and one USD order (quantity 2, 10 % off, 8 % sales tax)."""
    lines: list[str] = []
    async with conn.transaction():
        # Serialize concurrent seed runs: the checks below then see each other's rows.
        await conn.execute(query("shop_lock_stripe_object"), "shop-demo-seed")
        ids: dict[str, int] = {}
        for name, description, price, currency in DEMO_ITEMS:
            row = await conn.fetchrow(query("shop_find_item_by_name"), name, currency)
            if row is None:
                item = await insert_item(conn, name, description, price, currency)
                lines.append(f"shop item {item.id}: {name} {price} {currency}")
                ids[name] = item.id
            else:
                ids[name] = row["id"]
        if not await conn.fetchval(query("shop_any_order")):
            discount = await insert_discount(conn, "Welcome 10%", Decimal(10), None, None)
            tax = await insert_tax(conn, "Sales tax 8%", Decimal(8), False)
            new = NewOrder(
                lines=((ids["Coffee mug"], 2), (ids["T-shirt"], 1)),
                discount_id=discount.id,
                tax_ids=(tax.id,),
            )
            order = await create_order(conn, new)
            lines.append(f"shop order {order.id}: total {order.to_json()['total']} USD")
    return lines
