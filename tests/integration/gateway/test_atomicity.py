"""A payment and its job, an event and its outbox row: one transaction (DESIGN §1, §4)."""

from __future__ import annotations

import asyncpg
import pytest

from payserv.context import POOL, QUEUE
from payserv.gateway.merchants import TEST_MERCHANT_ID
from payserv.gateway.payments import NewPayment, create_payment
from payserv.gateway.refunds import NewRefund, create_refund
from tests.conftest import AppFactory
from tests.integration.gateway.conftest import MERCHANT, create_order, successful_payment


class AfterInsertFailure(Exception):
    """Raised inside the transaction, after every insert of the create."""


async def _counts(db: asyncpg.Connection) -> tuple[int, int, int, int]:
    row = await db.fetchrow(
        """SELECT (SELECT count(*) FROM gateway_payments),
                  (SELECT count(*) FROM gateway_refunds),
                  (SELECT count(*) FROM webhook_deliveries),
                  (SELECT count(*) FROM procrastinate_jobs WHERE task_name IN
                      ('gateway.process_payment', 'gateway.process_refund',
                       'gateway.deliver_webhook'))"""
    )
    return tuple(row)


async def test_failure_after_payment_insert_leaves_nothing(
    start_app: AppFactory, db: asyncpg.Connection
) -> None:
    client = await start_app(run_worker=False)
    await db.execute("UPDATE merchants SET webhook_url = 'http://127.0.0.1:9/hook'")
    order = await create_order(client)
    with pytest.raises(AfterInsertFailure):
        async with client.app[POOL].acquire() as conn, conn.transaction():
            payment = await create_payment(
                conn, client.app[QUEUE], TEST_MERCHANT_ID, NewPayment(order["id"], "upi", "a@b"), 0
            )
            assert payment.status == "pending"
            # Inside the transaction, the payment, its two events and its job exist (the
            # events' rows are their outbox: no delivery job).
            assert await _counts(conn) == (1, 0, 2, 1)
            raise AfterInsertFailure
    assert await _counts(db) == (0, 0, 0, 0)
    response = await client.get(f"/api/v1/orders/{order['id']}", headers=MERCHANT)
    assert (await response.json())["status"] == "created"


async def test_failure_after_refund_insert_leaves_nothing(
    start_app: AppFactory, db: asyncpg.Connection
) -> None:
    client = await start_app()
    payment = await successful_payment(client)
    await db.execute("UPDATE merchants SET webhook_url = 'http://127.0.0.1:9/hook'")
    before = await _counts(db)
    with pytest.raises(AfterInsertFailure):
        async with client.app[POOL].acquire() as conn, conn.transaction():
            await create_refund(
                conn, client.app[QUEUE], TEST_MERCHANT_ID, payment["id"], NewRefund(100, None), 0
            )
            assert await _counts(conn) == (1, 1, before[2] + 1, before[3] + 1)
            raise AfterInsertFailure
    assert await _counts(db) == before
