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
from payserv.gateway.outbox import Outbox, attempt_now
from payserv.queue import defer
from tests.conftest import AppFactory
from tests.integration.gateway_webhooks.conftest import Receiver, set_webhook_url, wait_for

DATA = {"payment": {"id": "pay_abc", "amount": 50000, "status": "success"}}
DELIVERED = "SELECT count(*) FROM webhook_deliveries WHERE status = 'success'"


async def _emit(client: object, n: int = 1) -> list[uuid.UUID]:
    """``n`` committed deliveries, due and unleased: the sweepers' (nothing collects them)."""
    app = client.app  # type: ignore[attr-defined]
    async with app[POOL].acquire() as conn, conn.transaction():
        for _ in range(n):
            await emit_event(conn, TEST_MERCHANT_ID, "payment.success", DATA)
        return [row["id"] for row in await conn.fetch("SELECT id FROM webhook_deliveries")]


async def _emit_leased(client: object, lease: float) -> uuid.UUID:
    """A committed delivery leased to this process, as a committer makes it."""
    app = client.app  # type: ignore[attr-defined]
    with collecting_deliveries(lease) as made:
        async with app[POOL].acquire() as conn, conn.transaction():
            await emit_event(conn, TEST_MERCHANT_ID, "payment.success", DATA)
    [target] = made.targets
    return target.id


async def test_leases_of_a_process_that_died_expire_into_the_sweeper(
    start_app: AppFactory, db: asyncpg.Connection, receiver: Receiver
) -> None:
    # What a process killed (kill -9) leaves: a delivery leased to it at its commit, and
    # one it claimed (a sweep, a manual retry) but had not attempted yet.
    await set_webhook_url(db, receiver.url)
    client = await start_app(run_worker=False)
    committed = await _emit_leased(client, lease=0.5)
    [claimed] = [i for i in await _emit(client) if i != committed]
    async with client.app[POOL].acquire() as conn:
        assert [t.id for t in await webhooks.claim(conn, [claimed], lease=0.5)] == [claimed]
        # Leased: neither another claim nor a sweep takes them.
        assert await webhooks.claim(conn, [committed, claimed], lease=60) == []
    assert await client.app[OUTBOX].sweep() == 0

    # A worker process's sweeper takes them once the leases have expired.
    await start_app(run_worker=True)
    calls = await receiver.wait_calls(2)
    assert sorted(c.headers["webhook-id"] for c in calls) == sorted(map(str, (committed, claimed)))
    assert await wait_for(
        lambda: db.fetchval(
            "SELECT count(*) = 2 AND bool_and(attempts = 1 AND leased_until IS NULL)"
            " FROM webhook_deliveries WHERE status = 'success'"
        )
    )


async def test_concurrent_claimers_attempt_each_delivery_once(
    start_app: AppFactory, db: asyncpg.Connection, receiver: Receiver
) -> None:
    await set_webhook_url(db, receiver.url)
    client = await start_app(run_worker=False)
    made = await _emit(client, 30)
    deps = client.app[OUTBOX].deps
    sweepers = [Outbox(deps) for _ in range(4)]
    # Four sweepers and two manual-retry claimers race for the same due rows, twice over.
    for _ in range(2):
        await asyncio.gather(
            *(outbox.sweep() for outbox in sweepers),
            attempt_now(deps, made),
            attempt_now(deps, made[::-1]),
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
