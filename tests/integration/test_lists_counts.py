"""List totals come from counter shards kept by triggers (schema.sql ``list_counts``).

They stay exact under one merchant's concurrent inserts, direct deletes and TRUNCATE, and two
writers of different shards do not wait for each other's counter row.
"""

from __future__ import annotations

import asyncio
import uuid

import asyncpg

from payserv.gateway.merchants import TEST_MERCHANT_ID
from payserv.gateway.orders import ORDERS
from payserv.listing import total
from tests.conftest import AppFactory
from tests.integration.gateway.conftest import MERCHANT, create_order

OWNER = str(TEST_MERCHANT_ID)


async def _insert_order(conn: asyncpg.Connection, order_id: str) -> None:
    await conn.execute(
        "INSERT INTO gateway_orders (id, merchant_id, amount, currency) "
        "VALUES ($1, $2, 100, 'INR')",
        order_id,
        TEST_MERCHANT_ID,
    )


async def test_concurrent_creates_of_one_merchant_keep_the_total_exact(
    start_app: AppFactory, db: asyncpg.Connection
) -> None:
    client = await start_app(run_worker=False)
    await asyncio.gather(*(create_order(client) for _ in range(60)))

    page = await (await client.get("/api/v1/orders?limit=1", headers=MERCHANT)).json()
    counted = await db.fetchval(
        "SELECT count(*) FROM gateway_orders WHERE merchant_id = $1", TEST_MERCHANT_ID
    )
    assert page["total"] == counted == 60
    shards = await db.fetchval(
        "SELECT count(*) FROM list_counts WHERE list = 'gateway_orders' AND owner = $1", OWNER
    )
    assert 1 <= shards <= 16


async def test_writers_on_different_shards_do_not_wait_for_each_other(dsn: str) -> None:
    first = await asyncpg.connect(dsn)
    others = [await asyncpg.connect(dsn) for _ in range(4)]
    try:
        shard = first.get_server_pid() % 16
        second = next(conn for conn in others if conn.get_server_pid() % 16 != shard)
        async with first.transaction():
            await _insert_order(first, "order_first")
            async with second.transaction():
                # a lock wait on a shared counter row would end in LockNotAvailableError
                await second.execute("SET LOCAL lock_timeout = '2s'")
                await _insert_order(second, "order_second")
        assert await total(first, ORDERS, OWNER) == 2
    finally:
        for conn in [first, *others]:
            await conn.close()


async def test_deletes_and_truncate_keep_the_total_exact(db: asyncpg.Connection) -> None:
    for index in range(5):
        await _insert_order(db, f"order_{index}")
    await db.execute(
        "INSERT INTO gateway_orders (id, merchant_id, amount, currency) "
        "SELECT 'order_bulk' || g, $1, 100, 'INR' FROM generate_series(1, 1000) g",
        TEST_MERCHANT_ID,
    )
    assert await total(db, ORDERS, OWNER) == 1005

    await db.execute(
        "DELETE FROM gateway_orders WHERE id LIKE 'order_bulk%' AND id < 'order_bulk5'"
    )
    counted = await db.fetchval("SELECT count(*) FROM gateway_orders")
    assert await total(db, ORDERS, OWNER) == counted == 1005 - 445

    rolled_back = db.transaction()  # a rolled-back insert counts nothing
    await rolled_back.start()
    await _insert_order(db, "order_gone")
    assert await total(db, ORDERS, OWNER) == counted + 1
    await rolled_back.rollback()
    assert await total(db, ORDERS, OWNER) == counted

    await db.execute("TRUNCATE gateway_orders CASCADE")
    assert await total(db, ORDERS, OWNER) == 0
    await _insert_order(db, str(uuid.uuid4()))
    assert await total(db, ORDERS, OWNER) == 1
