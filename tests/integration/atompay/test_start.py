"""POST /atompay (DESIGN §8): the row first, then AtomPay's token; every failure visible."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import pytest

from tests.conftest import UserFactory
from tests.integration.atompay.conftest import EventFactory, Sim, Start, payment_body


async def test_start_returns_token_and_checkout_fields(
    start_atompay: Start, sim: Sim, make_user: UserFactory, make_event: EventFactory
) -> None:
    client = await start_atompay()
    user, headers = await make_user()
    event_id = await make_event(fee="150.00")
    body = payment_body(event_id, amount="1.00")  # a client amount is ignored
    response = await client.post("/atompay", json=body, headers=headers)
    assert response.status == 200, await response.text()
    started = await response.json()
    assert started["atomTokenId"] == "15000000000001"
    assert started["merchId"] == sim.config.merch_id
    assert started["custEmail"] == "asha@example.com"
    assert started["custMobile"] == "9876543210"
    assert started["amount"] == "150.00"
    assert started["returnUrl"] == str(client.make_url("/response"))
    txn_id = started["merchTxnId"]
    assert txn_id.startswith("PS") and len(txn_id) == 22
    assert started["checkoutUrl"] == str(client.make_url(f"/atompay/checkout/{txn_id}"))

    [sent] = sim.config.auth_requests
    instrument = sent["payInstrument"]
    assert instrument["headDetails"] == {"version": "OTSv1.1", "api": "AUTH", "platform": "FLASH"}
    merch = instrument["merchDetails"]
    assert (merch["merchId"], merch["password"]) == (sim.config.merch_id, sim.config.password)
    assert merch["merchTxnId"] == txn_id
    assert len(merch["merchTxnDate"]) == 19
    pay = instrument["payDetails"]
    assert (pay["amount"], pay["product"], pay["txnCurrency"]) == ("150.00", "NSE", "INR")
    assert instrument["custDetails"] == {
        "custEmail": "asha@example.com",
        "custMobile": "9876543210",
    }
    assert instrument["extras"]["udf1"] == str(event_id)
    assert instrument["extras"]["udf2"] == str(user.id)

    shown = await (await client.get(f"/api/atompay/payments/{txn_id}", headers=headers)).json()
    assert shown["status"] == "initiated"
    assert shown["amount"] == "150.00"
    assert shown["atom_token_id"] == "15000000000001"


async def test_team_payment_keeps_the_team(
    start_atompay: Start, make_user: UserFactory, make_event: EventFactory
) -> None:
    client = await start_atompay()
    _, headers = await make_user()
    event_id = await make_event(fee="500.00", kind="team")
    body = payment_body(
        event_id, event_type="team", team_name="Rovers", team_members=["Asha", "Ben"]
    )
    response = await client.post("/atompay", json=body, headers=headers)
    assert response.status == 200, await response.text()
    txn_id = (await response.json())["merchTxnId"]
    shown = await (await client.get(f"/api/atompay/payments/{txn_id}", headers=headers)).json()
    assert (shown["team_name"], shown["team_members"]) == ("Rovers", ["Asha", "Ben"])
    assert shown["amount"] == "500.00"


@pytest.mark.parametrize("mode", ["error_code", "http_500", "timeout", "garbage"])
async def test_atompay_failures_are_502_and_stay_visible(
    start_atompay: Start,
    sim: Sim,
    make_user: UserFactory,
    make_event: EventFactory,
    db: asyncpg.Connection,
    mode: Any,
) -> None:
    client = await start_atompay()
    _, headers = await make_user()
    event_id = await make_event()
    sim.config.auth_mode = mode
    response = await client.post("/atompay", json=payment_body(event_id), headers=headers)
    assert response.status == 502
    assert (await response.json())["error"]["code"] == "UPSTREAM_ERROR"
    listed = await (await client.get("/api/atompay/payments", headers=headers)).json()
    assert listed["total"] == 1
    [payment] = listed["data"]
    assert payment["status"] == "failed_to_initiate"
    assert payment["last_error"]
    assert payment["atom_token_id"] is None
    # The row existed before AtomPay was called: the simulator saw its merchTxnId.
    [sent] = sim.config.auth_requests
    assert sent["payInstrument"]["merchDetails"]["merchTxnId"] == payment["merch_txn_id"]
    # A failed start does not block the next attempt.
    sim.config.auth_mode = "ok"
    again = await client.post("/atompay", json=payment_body(event_id), headers=headers)
    assert again.status == 200


async def test_row_is_committed_before_atompay_answers(
    start_atompay: Start, sim: Sim, make_user: UserFactory, make_event: EventFactory, dsn: str
) -> None:
    client = await start_atompay()
    _, headers = await make_user()
    event_id = await make_event()
    sim.config.auth_mode = "timeout"
    request = asyncio.create_task(
        client.post("/atompay", json=payment_body(event_id), headers=headers)
    )
    async with asyncio.timeout(10):
        while not sim.config.auth_requests:
            await asyncio.sleep(0.02)
    other = await asyncpg.connect(dsn)
    try:
        status = await other.fetchval("SELECT status FROM atompay_payments")
    finally:
        await other.close()
    assert status == "initiated"
    assert (await request).status == 502


async def test_auth_ownership_and_unknown_event(
    start_atompay: Start, make_user: UserFactory, make_event: EventFactory
) -> None:
    client = await start_atompay()
    _, alice = await make_user()
    _, bob = await make_user()
    event_id = await make_event()
    assert (await client.post("/atompay", json=payment_body(event_id))).status == 401
    assert (await client.get("/api/atompay/payments")).status == 401
    started = await client.post("/atompay", json=payment_body(event_id), headers=alice)
    txn_id = (await started.json())["merchTxnId"]
    assert (await client.get(f"/api/atompay/payments/{txn_id}")).status == 401
    theirs = await client.get(f"/api/atompay/payments/{txn_id}", headers=bob)
    assert theirs.status == 404
    assert (await theirs.json())["error"]["code"] == "NOT_FOUND_ERROR"
    assert (await (await client.get("/api/atompay/payments", headers=bob)).json())["total"] == 0
    unknown = await client.post("/atompay", json=payment_body(999_999), headers=alice)
    assert unknown.status == 404
    assert (await unknown.json())["error"] == {
        "code": "NOT_FOUND_ERROR",
        "description": "event not found",
        "field": "event_id",
    }


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"event_id": None}, "event_id"),
        ({"event_id": "1"}, "event_id"),
        ({"event_type": "duo"}, "event_type"),
        ({"event_type": "team", "team_name": "X"}, "event_type"),  # the event is solo
        ({"email": "not-an-email"}, "email"),
        ({"email": None}, "email"),
        ({"phone": "12ab"}, "phone"),
        ({"phone": 9876543210}, "phone"),
        ({"team_members": "Asha"}, "team_members"),
        ({"team_members": [1]}, "team_members"),
    ],
)
async def test_bad_bodies_are_400_with_field(
    start_atompay: Start,
    sim: Sim,
    make_user: UserFactory,
    make_event: EventFactory,
    change: dict[str, Any],
    field: str,
) -> None:
    client = await start_atompay()
    _, headers = await make_user()
    event_id = await make_event()
    body = {**payment_body(event_id), **change}
    response = await client.post("/atompay", json=body, headers=headers)
    assert response.status == 400
    error = (await response.json())["error"]
    assert (error["code"], error["field"]) == ("BAD_REQUEST_ERROR", field)
    assert sim.config.auth_requests == []


async def test_team_event_needs_a_team_name(
    start_atompay: Start, make_user: UserFactory, make_event: EventFactory
) -> None:
    client = await start_atompay()
    _, headers = await make_user()
    event_id = await make_event(kind="team")
    body = payment_body(event_id, event_type="team")
    response = await client.post("/atompay", json=body, headers=headers)
    assert response.status == 400
    assert (await response.json())["error"]["field"] == "team_name"


async def test_missing_configuration_is_503_naming_the_variable(
    start_atompay: Start, sim: Sim, make_user: UserFactory, make_event: EventFactory
) -> None:
    settings = sim.settings()
    del settings["ATOMPAY_RES_HASH_KEY"]
    client = await start_atompay(atompay=settings)
    _, headers = await make_user()
    event_id = await make_event()
    response = await client.post("/atompay", json=payment_body(event_id), headers=headers)
    assert response.status == 503
    error = (await response.json())["error"]
    assert error["code"] == "CONFIGURATION_ERROR"
    assert "ATOMPAY_RES_HASH_KEY" in error["description"]
    callback = await client.post("/response", data={"encData": "00"})
    assert callback.status == 503
