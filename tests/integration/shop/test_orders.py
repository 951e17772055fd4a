"""Listing orders (DESIGN §7): a page costs a fixed number of queries, whatever its size."""

from __future__ import annotations

from decimal import Decimal

import asyncpg
from asyncpg.connection import LoggedQuery

from payserv.listing import PageRequest
from payserv.shop.catalog import insert_discount, insert_item, insert_tax
from payserv.shop.orders import NewOrder, create_order, list_orders
from tests.conftest import AppFactory


async def _hundred_orders(db: asyncpg.Connection) -> None:
    """Order n (1…100): n mugs and, when n is even, 10 % off and a sales tax."""
    mug = await insert_item(db, "Mug", "White", Decimal("12.50"), "USD")
    ten = await insert_discount(db, "Ten", Decimal("10"), None, None)
    sales = await insert_tax(db, "Sales", Decimal("8"), False)
    for n in range(1, 101):
        even = n % 2 == 0
        lines = ((mug.id, n),)
        await create_order(
            db, NewOrder(lines, ten.id if even else None, (sales.id,) if even else ())
        )


async def _queries_for_page(db: asyncpg.Connection, limit: int) -> int:
    statements: list[str] = []

    def note(logged: LoggedQuery) -> None:
        statements.append(logged.query)

    db.add_query_logger(note)
    try:
        page = await list_orders(db, PageRequest(limit))
    finally:
        db.remove_query_logger(note)
    assert (len(page.items), page.total) == (limit, 100)
    return len(statements)


async def test_a_page_of_orders_takes_the_same_queries_for_10_and_100_orders(
    start_app: AppFactory, admin_headers: dict[str, str], db: asyncpg.Connection
) -> None:
    await _hundred_orders(db)
    assert await _queries_for_page(db, 10) == await _queries_for_page(db, 100)
    # Each order still gets its own lines, discount and taxes, newest (order 100) first.
    client = await start_app(run_worker=False)
    response = await client.get("/api/shop/orders?limit=100", headers=admin_headers)
    assert response.status == 200, await response.text()
    page = (await response.json())["data"]
    assert [order["lines"][0]["quantity"] for order in page] == list(range(100, 0, -1))
    for order in page:
        even = order["lines"][0]["quantity"] % 2 == 0
        assert (order["discount"] or {}).get("name") == ("Ten" if even else None)
        assert [tax["name"] for tax in order["taxes"]] == (["Sales"] if even else [])
    assert page[0]["total"] == "1215.00"  # 1250.00 − 125.00 + 8 % of 1125.00
    assert page[1]["total"] == "1237.50"
