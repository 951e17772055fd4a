"""Paying for an event again (DESIGN §8): every start is its own payment until one is paid.

Two initiations both paid at AtomPay are real money twice: both callbacks are recorded as
``success`` (never lost), and the second one is logged as ``atompay_duplicate_payment``.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import asyncpg
import pytest

from tests.conftest import UserFactory
from tests.fakes.atompay_server import build_callback
from tests.integration.atompay.conftest import (
    Client,
    EventFactory,
    Sim,
    Start,
    payment_body,
    start_payment,
)


def _callback(sim: Sim, txn_id: str, status_code: str = "OTS0000", n: int = 1) -> dict[str, str]:
    return build_callback(
        sim.config,
        merch_txn_id=txn_id,
        amount="150.00",
        status_code=status_code,
        atom_txn_id=11_000_000_000_000 + n,
        bank_txn_id=f"BANK-{n}",
    )


async def _settle(client: Client, form: dict[str, str]) -> None:
    response = await client.post("/response", data=form, allow_redirects=False)
    assert response.status == 303, await response.text()


async def _statuses(client: Client, headers: dict[str, str]) -> dict[str, str]:
    listed = await (await client.get("/api/atompay/payments", headers=headers)).json()
    return {payment["merch_txn_id"]: payment["status"] for payment in listed["data"]}


async def _refused(response: Any) -> None:
    assert response.status == 400, await response.text()
    error = (await response.json())["error"]
    assert (error["code"], error["field"]) == ("BAD_REQUEST_ERROR", "event_id")


async def test_every_start_is_a_payment_until_one_is_paid(
    start_atompay: Start, sim: Sim, make_user: UserFactory, make_event: EventFactory
) -> None:
    client = await start_atompay()
    _, headers = await make_user()
    _, other_user = await make_user()
    event_id = await make_event(fee="150.00")
    first = (await start_payment(client, headers, event_id))["merchTxnId"]
    second = (await start_payment(client, headers, event_id))["merchTxnId"]
    assert first != second
    await _settle(client, _callback(sim, second, status_code="OTS0600"))
    # An initiated and a failed payment of the event: neither blocks a third start.
    third = (await start_payment(client, headers, event_id))["merchTxnId"]
    await _settle(client, _callback(sim, first))
    await _refused(await client.post("/atompay", json=payment_body(event_id), headers=headers))
    assert await _statuses(client, headers) == {
        first: "success",
        second: "failed",
        third: "initiated",
    }
    # Another user, or another event, is a payment of its own.
    await start_payment(client, other_user, event_id)
    await start_payment(client, headers, await make_event())
    assert len(sim.config.auth_requests) == 5


async def test_concurrent_starts_each_get_a_payment(
    start_atompay: Start, make_user: UserFactory, make_event: EventFactory, db: asyncpg.Connection
) -> None:
    client = await start_atompay()
    _, headers = await make_user()
    event_id = await make_event()
    responses = await asyncio.gather(
        *(client.post("/atompay", json=payment_body(event_id), headers=headers) for _ in range(8))
    )
    assert [r.status for r in responses] == [200] * 8
    ids = {(await r.json())["merchTxnId"] for r in responses}
    assert len(ids) == 8
    assert await db.fetchval("SELECT count(*) FROM atompay_payments") == 8


async def test_concurrent_starts_after_a_success_are_all_refused(
    start_atompay: Start,
    sim: Sim,
    make_user: UserFactory,
    make_event: EventFactory,
    db: asyncpg.Connection,
) -> None:
    client = await start_atompay()
    _, headers = await make_user()
    event_id = await make_event(fee="150.00")
    paid = (await start_payment(client, headers, event_id))["merchTxnId"]
    await _settle(client, _callback(sim, paid))
    responses = await asyncio.gather(
        *(client.post("/atompay", json=payment_body(event_id), headers=headers) for _ in range(4))
    )
    for response in responses:
        await _refused(response)
    assert await db.fetchval("SELECT count(*) FROM atompay_payments") == 1
    assert len(sim.config.auth_requests) == 1


async def test_two_initiations_paid_at_once_are_both_recorded(
    start_atompay: Start,
    sim: Sim,
    make_user: UserFactory,
    make_event: EventFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    client = await start_atompay()
    _, headers = await make_user()
    event_id = await make_event(fee="150.00")
    one = (await start_payment(client, headers, event_id))["merchTxnId"]
    two = (await start_payment(client, headers, event_id))["merchTxnId"]
    with caplog.at_level(logging.WARNING):
        await asyncio.gather(
            _settle(client, _callback(sim, one, n=1)), _settle(client, _callback(sim, two, n=2))
        )
    assert await _statuses(client, headers) == {one: "success", two: "success"}
    for txn_id, n in ((one, 1), (two, 2)):
        shown = await client.get(f"/api/atompay/payments/{txn_id}", headers=headers)
        assert (await shown.json())["bank_transaction_id"] == f"BANK-{n}"
    # Whichever settled second names the first: an operator can refund one of them.
    duplicates = [r for r in caplog.records if "atompay_duplicate_payment" in r.getMessage()]
    assert len(duplicates) == 1
    await _refused(await client.post("/atompay", json=payment_body(event_id), headers=headers))
