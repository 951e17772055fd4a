"""Attempt records: concurrent ones share a statement; each learns whether it was stale."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

import asyncpg
import pytest

from payserv.context import POOL
from payserv.gateway import webhooks
from payserv.gateway.attempt_log import AttemptLog, attempt_log
from payserv.gateway.events import emit_event
from payserv.gateway.merchants import TEST_MERCHANT_ID
from payserv.gateway.webhooks import AttemptResult
from tests.conftest import AppFactory
from tests.integration.gateway_webhooks.conftest import Receiver, set_webhook_url

DATA = {"payment": {"id": "pay_abc", "amount": 50000, "status": "success"}}
DELIVERED = AttemptResult(webhooks.SUCCESS, 200, None, None)
REFUSED = AttemptResult(webhooks.PENDING, 500, "HTTP 500", 60.0)


async def test_concurrent_attempts_are_recorded_together_and_stale_ones_only_released(
    start_app: AppFactory,
    db: asyncpg.Connection,
    receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await set_webhook_url(db, receiver.url)
    client = await start_app(run_worker=False)
    pool = client.app[POOL]
    async with pool.acquire() as conn, conn.transaction():
        for _ in range(20):
            await emit_event(conn, TEST_MERCHANT_ID, "payment.success", DATA)
    async with pool.acquire() as conn:
        targets = await webhooks.claim_due(conn, 20, lease=60)
    assert len(targets) == 20
    # A manual retry reset the first one meanwhile: its attempt is stale.
    await db.execute("UPDATE webhook_deliveries SET generation = 1 WHERE id = $1", targets[0].id)

    statements = 0
    write = AttemptLog._write

    async def counted(self: AttemptLog, batch: list[Any]) -> list[bool | Exception]:
        nonlocal statements
        statements += 1
        return await write(self, batch)

    monkeypatch.setattr(AttemptLog, "_write", counted)
    log = attempt_log(pool)
    results = await asyncio.gather(
        *(
            log.record(target, 1, DELIVERED if i % 2 else REFUSED)
            for i, target in enumerate(targets)
        )
    )

    assert results == [False] + [True] * 19
    # All 20 ended before the writer ran: one statement (one each, before).
    assert statements == 1
    rows = {
        row["id"]: row
        for row in await db.fetch(
            "SELECT id, status, attempts, response_code, next_retry_at > now() AS later,"
            " leased_until FROM webhook_deliveries"
        )
    }
    stale = rows[targets[0].id]
    assert (stale["status"], stale["attempts"], stale["leased_until"]) == ("pending", 0, None)
    for i, target in enumerate(targets[1:], start=1):
        row = rows[target.id]
        assert row["leased_until"] is None
        assert row["attempts"] == 1
        if i % 2:
            assert (row["status"], row["response_code"]) == ("success", 200)
        else:
            assert (row["status"], row["response_code"], row["later"]) == ("pending", 500, True)


async def test_a_failed_write_fails_every_attempt_of_its_batch(
    start_app: AppFactory, db: asyncpg.Connection, receiver: Receiver
) -> None:
    await set_webhook_url(db, receiver.url)
    client = await start_app(run_worker=False)
    pool = client.app[POOL]
    async with pool.acquire() as conn, conn.transaction():
        await emit_event(conn, TEST_MERCHANT_ID, "payment.success", DATA)
    async with pool.acquire() as conn:
        [target] = await webhooks.claim_due(conn, 1, lease=60)
    # A status the table's CHECK refuses: the statement fails, the caller sees it.
    bad = replace(DELIVERED, status="bogus")
    with pytest.raises(asyncpg.CheckViolationError):
        await attempt_log(pool).record(target, 1, bad)
    # The log is usable again afterwards.
    assert await attempt_log(pool).record(target, 1, DELIVERED) is True
