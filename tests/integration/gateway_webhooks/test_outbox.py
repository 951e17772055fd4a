"""The outbox (DESIGN §4, §9): a dead claimer's delivery is swept, never two attempts at once."""

from __future__ import annotations

import asyncio
import collections
import uuid

import asyncpg

from payserv.context import OUTBOX, POOL, QUEUE
from payserv.gateway import tasks, webhooks
from payserv.gateway.events import collecting_deliveries, emit_event
from payserv.gateway.merchants import TEST_MERCHANT_ID
from payserv.gateway.outbox import Outbox, attempt_made
from payserv.queue import defer
from tests.conftest import AppFactory
from tests.integration.gateway_webhooks.conftest import Receiver, set_webhook_url, wait_for

DATA = {"payment": {"id": "pay_abc", "amount": 50000, "status": "success"}}
DELIVERED = "SELECT count(*) FROM webhook_deliveries WHERE status = 'success'"


async def _emit(client: object, n: int = 1) -> list[uuid.UUID]:
    """``n`` committed deliveries that nothing attempts yet."""
    app = client.app  # type: ignore[attr-defined]
    with collecting_deliveries() as made:
        async with app[POOL].acquire() as conn, conn.transaction():
            for _ in range(n):
                await emit_event(conn, TEST_MERCHANT_ID, "payment.success", DATA)
    return made


async def test_a_claimer_that_dies_before_attempting_is_replaced_by_the_sweeper(
    start_app: AppFactory, db: asyncpg.Connection, receiver: Receiver
) -> None:
    # As a process killed (kill -9) between its claim and its attempt leaves it: leased.
    await set_webhook_url(db, receiver.url)
    client = await start_app(run_worker=False)
    [delivery_id] = await _emit(client)
    async with client.app[POOL].acquire() as conn:
        [claimed] = await webhooks.claim(conn, [delivery_id], lease=0.5)
        # Leased: neither the committer's claim nor a sweep takes it again.
        assert await webhooks.claim(conn, [delivery_id], lease=60) == []
    assert await client.app[OUTBOX].sweep() == 0
    assert claimed.attempts == 0

    # A worker process's sweeper takes it once the lease has expired.
    await start_app(run_worker=True)
    (call,) = await receiver.wait_calls(1)
    assert call.headers["webhook-id"] == str(delivery_id)
    row = await wait_for(
        lambda: db.fetchrow(
            "SELECT attempts, leased_until FROM webhook_deliveries WHERE status = 'success'"
        )
    )
    assert (row["attempts"], row["leased_until"]) == (1, None)


async def test_concurrent_claimers_attempt_each_delivery_once(
    start_app: AppFactory, db: asyncpg.Connection, receiver: Receiver
) -> None:
    await set_webhook_url(db, receiver.url)
    client = await start_app(run_worker=False)
    made = await _emit(client, 30)
    deps = client.app[OUTBOX].deps
    sweepers = [Outbox(deps) for _ in range(4)]
    # Four sweepers and two committers race for the same due rows, twice over.
    for _ in range(2):
        await asyncio.gather(
            *(outbox.sweep() for outbox in sweepers),
            attempt_made(deps, made),
            attempt_made(deps, made[::-1]),
        )
    await wait_for(lambda: db.fetchval(DELIVERED + " HAVING count(*) = 30"))
    for outbox in sweepers:
        await outbox.close(5)
    per_id = collections.Counter(call.headers["webhook-id"] for call in receiver.calls)
    assert per_id == {str(delivery_id): 1 for delivery_id in made}


async def test_a_delivery_job_of_an_older_payserv_makes_its_delivery_due(
    start_app: AppFactory, db: asyncpg.Connection, receiver: Receiver
) -> None:
    # Before the outbox, each attempt was a job; one queued then must not crash a worker.
    await set_webhook_url(db, receiver.url)
    client = await start_app(webhook_sweep_interval=0.05)
    [delivery_id] = await _emit(client)
    await db.execute(
        "UPDATE webhook_deliveries SET next_retry_at = now() + interval '1 hour' WHERE id = $1",
        delivery_id,
    )
    async with client.app[POOL].acquire() as conn:
        await defer(
            conn,
            client.app[QUEUE],
            tasks.DELIVER_WEBHOOK,
            delivery_id=str(delivery_id),
            generation=0,
            attempt=1,
        )
    (call,) = await receiver.wait_calls(1)
    assert call.headers["webhook-id"] == str(delivery_id)
    succeeded = "SELECT status = 'succeeded' FROM procrastinate_jobs WHERE task_name = $1"
    assert await wait_for(lambda: db.fetchval(succeeded, tasks.DELIVER_WEBHOOK))
