"""The reconciliation job (DESIGN §8): settles payments whose callback never came."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import pytest

from payserv.context import HTTP, POOL, QUEUE, SETTINGS
from payserv.jobs.atompay import reconcile_payments
from payserv.queue import JobDeps
from tests.conftest import UserFactory
from tests.fakes.atompay_server import build_callback
from tests.integration.atompay.conftest import Client, EventFactory, Sim, Start, start_payment


def _deps(client: Client) -> JobDeps:
    app = client.app
    return JobDeps(app[POOL], app[SETTINGS], app[QUEUE], app[HTTP])


async def _status(db: asyncpg.Connection, txn_id: str) -> str:
    return str(
        await db.fetchval("SELECT status FROM atompay_payments WHERE merch_txn_id = $1", txn_id)
    )


async def _payments(
    client: Client, make_user: UserFactory, make_event: EventFactory, count: int
) -> list[str]:
    _, headers = await make_user()
    return [
        (await start_payment(client, headers, await make_event(fee="150.00")))["merchTxnId"]
        for _ in range(count)
    ]


async def test_job_settles_from_the_status_api(
    start_atompay: Start,
    sim: Sim,
    make_user: UserFactory,
    make_event: EventFactory,
    db: asyncpg.Connection,
) -> None:
    client = await start_atompay(atompay_reconcile_after=0)
    paid, cancelled, pending, wrong_amount = await _payments(client, make_user, make_event, 4)
    results = sim.config.status_results
    results[paid] = {"statusCode": "OTS0000", "atomTxnId": 11000000000777, "bankTxnId": "BK7"}
    results[cancelled] = {"statusCode": "OTS0101"}
    results[wrong_amount] = {"statusCode": "OTS0000", "amount": "1.00"}
    await reconcile_payments(_deps(client), timestamp=0)

    row = await db.fetchrow("SELECT * FROM atompay_payments WHERE merch_txn_id = $1", paid)
    assert row["status"] == "success"
    assert (row["atompay_transaction_id"], row["bank_transaction_id"]) == ("11000000000777", "BK7")
    assert await _status(db, cancelled) == "failed"
    assert await _status(db, pending) == "initiated"
    assert await _status(db, wrong_amount) == "initiated"
    note = await db.fetchval(
        "SELECT last_error FROM atompay_payments WHERE merch_txn_id = $1", pending
    )
    assert "OTS0002" in note
    # The status request is signed with the request hash key (the simulator checks it).
    asked = {r["payInstrument"]["merchDetails"]["merchTxnId"] for r in sim.config.status_requests}
    assert asked == {paid, cancelled, pending, wrong_amount}

    # A second run asks only about what is still open, and settled rows never change.
    sim.config.status_requests.clear()
    results[paid] = {"statusCode": "OTS0600"}
    await reconcile_payments(_deps(client), timestamp=1)
    asked = {r["payInstrument"]["merchDetails"]["merchTxnId"] for r in sim.config.status_requests}
    assert asked == {pending, wrong_amount}
    assert await _status(db, paid) == "success"


@pytest.mark.parametrize("mode", ["http_500", "timeout", "garbage"])
async def test_status_api_trouble_leaves_the_payment(
    start_atompay: Start,
    sim: Sim,
    make_user: UserFactory,
    make_event: EventFactory,
    db: asyncpg.Connection,
    mode: Any,
) -> None:
    client = await start_atompay(atompay_reconcile_after=0)
    [txn_id] = await _payments(client, make_user, make_event, 1)
    sim.config.status_results[txn_id] = {"statusCode": "OTS0000"}
    sim.config.status_mode = mode
    await reconcile_payments(_deps(client), timestamp=0)
    assert await _status(db, txn_id) == "initiated"
    sim.config.status_mode = "ok"
    await reconcile_payments(_deps(client), timestamp=1)
    assert await _status(db, txn_id) == "success"


async def test_recent_payments_wait_and_tokenless_ones_are_closed(
    start_atompay: Start,
    sim: Sim,
    make_user: UserFactory,
    make_event: EventFactory,
    db: asyncpg.Connection,
) -> None:
    client = await start_atompay(atompay_reconcile_after=120)
    recent, old, tokenless = await _payments(client, make_user, make_event, 3)
    await db.execute(
        "UPDATE atompay_payments SET created_at = now() - interval '1 hour'"
        " WHERE merch_txn_id = ANY($1)",
        [old, tokenless],
    )
    # As if the process had died between committing the row and storing the token.
    await db.execute(
        "UPDATE atompay_payments SET atom_token_id = NULL WHERE merch_txn_id = $1", tokenless
    )
    for txn_id in (recent, old, tokenless):
        sim.config.status_results[txn_id] = {"statusCode": "OTS0000"}
    await reconcile_payments(_deps(client), timestamp=0)
    assert await _status(db, recent) == "initiated"
    assert await _status(db, old) == "success"
    assert await _status(db, tokenless) == "failed_to_initiate"
    asked = [r["payInstrument"]["merchDetails"]["merchTxnId"] for r in sim.config.status_requests]
    assert asked == [old]


async def test_job_without_configuration_does_nothing(
    start_app: Any, make_user: UserFactory, make_event: EventFactory, db: asyncpg.Connection
) -> None:
    client = await start_app(run_worker=False)
    user, _ = await make_user()
    # A payment long due for reconciliation, left from when AtomPay was configured.
    await db.execute(
        "INSERT INTO atompay_payments (merch_txn_id, user_id, event_id, event_type, email,"
        " phone, amount, atom_token_id, created_at, updated_at)"
        " VALUES ('OLD1', $1, $2, 'solo', 'a@example.com', '9876543210', 150, '15000000000001',"
        " now() - interval '1 day', now() - interval '1 day')",
        user.id,
        await make_event(),
    )
    before = await db.fetchrow("SELECT * FROM atompay_payments")
    await reconcile_payments(_deps(client), timestamp=0)  # no ATOMPAY_*: returns quietly
    # Not even a note that the check failed: with no settings there was no check.
    assert await db.fetchrow("SELECT * FROM atompay_payments") == before


async def test_periodic_job_runs_on_its_interval(
    start_atompay: Start,
    sim: Sim,
    make_user: UserFactory,
    make_event: EventFactory,
    db: asyncpg.Connection,
) -> None:
    client = await start_atompay(
        run_worker=True, atompay_reconcile_interval=1, atompay_reconcile_after=0
    )
    [txn_id] = await _payments(client, make_user, make_event, 1)
    sim.config.status_results[txn_id] = {"statusCode": "OTS0000", "bankTxnId": "BK-P"}
    async with asyncio.timeout(20):
        while await _status(db, txn_id) != "success":
            await asyncio.sleep(0.1)
    ran = await db.fetchval(
        "SELECT count(*) FROM procrastinate_jobs WHERE task_name = 'atompay.reconcile_payments'"
    )
    assert ran >= 1


async def test_callback_racing_the_job_settles_once(
    start_atompay: Start,
    sim: Sim,
    make_user: UserFactory,
    make_event: EventFactory,
    db: asyncpg.Connection,
) -> None:
    client = await start_atompay(atompay_reconcile_after=0)
    txn_ids = await _payments(client, make_user, make_event, 5)
    for txn_id in txn_ids:
        sim.config.status_results[txn_id] = {"statusCode": "OTS0000", "bankTxnId": "FROM-JOB"}
    callbacks = [
        build_callback(
            sim.config,
            merch_txn_id=txn_id,
            amount="150.00",
            status_code="OTS0600",
            bank_txn_id="FROM-CALLBACK",
        )
        for txn_id in txn_ids
    ]
    await asyncio.gather(
        reconcile_payments(_deps(client), timestamp=0),
        *(client.post("/response", data=form, allow_redirects=False) for form in callbacks),
    )
    rows = await db.fetch("SELECT status, status_code, bank_transaction_id FROM atompay_payments")
    # Whichever came first won, entirely: no row mixes the two outcomes.
    for row in rows:
        assert (row["status"], row["status_code"], row["bank_transaction_id"]) in {
            ("success", "OTS0000", "FROM-JOB"),
            ("failed", "OTS0600", "FROM-CALLBACK"),
        }
