"""A released pooled connection carries no session state (payserv.database.keep_session).

The pool skips asyncpg's reset query on release; this holds only because payserv never
leaves state on a pooled connection. These tests run payserv's real work through the app
(payments processed by the worker, bank credits, failed requests, the shop seed's advisory
lock, a rolled-back transaction) and then inspect every connection of the pool.
"""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
import pytest

from payserv.context import POOL
from payserv.database import create_pool
from payserv.gateway.merchants import TEST_API_KEY, TEST_API_SECRET
from payserv.shop.seed import seed_shop
from tests.conftest import AppFactory
from tests.helpers.webhook_receiver import wait_until

MERCHANT = {"X-Api-Key": TEST_API_KEY, "X-Api-Secret": TEST_API_SECRET}
POOL_SIZE = 4


async def session_state(conn: asyncpg.Connection) -> dict[str, object]:
    """Everything a previous user of this session could have left behind."""
    return {
        "in_transaction": conn.is_in_transaction(),
        "transaction_id": await conn.fetchval("SELECT txid_current_if_assigned()"),
        "advisory_locks": await conn.fetchval(
            "SELECT count(*) FROM pg_locks WHERE pid = pg_backend_pid() AND locktype = 'advisory'"
        ),
        "listening": await conn.fetchval("SELECT array_agg(c) FROM pg_listening_channels() c"),
        # The unnamed portal is this very query.
        "cursors": await conn.fetchval("SELECT count(*) FROM pg_cursors WHERE name <> ''"),
        # asyncpg's type introspection sets jit back to its own value: only a value that
        # differs from what RESET would give is state left behind.
        "session_settings": await conn.fetchval(
            "SELECT array_agg(name ORDER BY name) FROM pg_settings"
            " WHERE source = 'session' AND setting IS DISTINCT FROM reset_val"
        ),
        "temp_tables": await conn.fetchval(
            "SELECT count(*) FROM pg_class WHERE relpersistence = 't'"
        ),
    }


CLEAN = {
    "in_transaction": False,
    "transaction_id": None,
    "advisory_locks": 0,
    "listening": None,
    "cursors": 0,
    "session_settings": None,
    "temp_tables": 0,
}


async def every_connection_state(pool: asyncpg.Pool) -> list[dict[str, object]]:
    """The state of every connection of ``pool``, taken all at once so none is missed."""
    connections = [await pool.acquire() for _ in range(POOL_SIZE)]
    try:
        return [await session_state(conn) for conn in connections]
    finally:
        for conn in connections:
            await pool.release(conn)


async def test_payserv_work_leaves_no_session_state(start_app: AppFactory) -> None:
    client = await start_app(db_pool_size=POOL_SIZE)
    pool = client.app[POOL]
    order = await (
        await client.post("/api/v1/orders", json={"amount": 50000}, headers=MERCHANT)
    ).json()
    payment = await client.post(
        "/api/v1/payments",
        json={"order_id": order["id"], "method": "upi", "vpa": "success@razorpay"},
        headers={**MERCHANT, "Idempotency-Key": uuid.uuid4().hex},
    )
    assert payment.status == 201
    paid = (await payment.json())["id"]

    async def settled() -> bool:
        body = await (await client.get(f"/api/v1/payments/{paid}", headers=MERCHANT)).json()
        return body["status"] == "success"

    await wait_until(settled)
    # A failing request inside a transaction, and a transaction-level advisory lock.
    refund = await client.post(
        f"/api/v1/payments/{paid}/refunds", json={"amount": 10**9}, headers=MERCHANT
    )
    assert refund.status == 400
    async with pool.acquire() as conn, conn.transaction():
        await seed_shop(conn)
    with pytest.raises(ZeroDivisionError):
        async with pool.acquire() as conn, conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock(42)")
            raise ZeroDivisionError

    states = await every_connection_state(pool)
    assert states == [CLEAN] * POOL_SIZE


async def test_the_check_sees_state_left_behind(dsn: str) -> None:
    # The inspection above must be able to fail: a session SET, a session advisory lock and
    # a LISTEN survive a release now, and are all reported.
    pool = await create_pool(dsn, POOL_SIZE)
    try:
        async with pool.acquire() as conn:
            await conn.execute("SET work_mem = '8MB'")
            await conn.execute("SELECT pg_advisory_lock(7)")
            await conn.execute("LISTEN payserv_test_channel")
            await conn.execute("DECLARE left_open CURSOR WITH HOLD FOR SELECT 1")
        states = await asyncio.wait_for(every_connection_state(pool), timeout=30)
    finally:
        await pool.close()
    leaked = [state for state in states if state != CLEAN]
    assert len(leaked) == 1
    assert leaked[0]["session_settings"] == ["work_mem"]
    assert leaked[0]["advisory_locks"] == 1
    assert leaked[0]["listening"] == ["payserv_test_channel"]
    assert leaked[0]["cursors"] == 1
