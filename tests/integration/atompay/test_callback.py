"""POST /response (DESIGN §8): verified, amount-checked, settled exactly once."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import pytest

from payserv.atompay.crypto import encrypt_json
from tests.conftest import UserFactory
from tests.fakes.atompay_server import build_callback
from tests.integration.atompay.conftest import Client, EventFactory, Sim, Start, start_payment


async def _started(
    start_atompay: Start, make_user: UserFactory, make_event: EventFactory, **settings: Any
) -> tuple[Client, dict[str, str], str]:
    client = await start_atompay(**settings)
    _, headers = await make_user()
    started = await start_payment(client, headers, await make_event(fee="150.00"))
    return client, headers, started["merchTxnId"]


async def _row(db: asyncpg.Connection, txn_id: str) -> dict[str, Any]:
    row = await db.fetchrow("SELECT * FROM atompay_payments WHERE merch_txn_id = $1", txn_id)
    assert row is not None
    return dict(row)


async def test_success_callback_settles_and_redirects_to_result_page(
    start_atompay: Start, sim: Sim, make_user: UserFactory, make_event: EventFactory
) -> None:
    client, headers, txn_id = await _started(start_atompay, make_user, make_event)
    form = build_callback(
        sim.config,
        merch_txn_id=txn_id,
        amount="150.00",
        atom_txn_id=11000000615892,
        bank_txn_id="BANK-42",
    )
    response = await client.post("/response", data=form, allow_redirects=False)
    assert response.status == 303
    assert response.headers["Location"] == f"/atompay/result/{txn_id}"
    shown = await (await client.get(f"/api/atompay/payments/{txn_id}", headers=headers)).json()
    assert shown["status"] == "success"
    assert shown["atompay_transaction_id"] == "11000000615892"
    assert shown["bank_transaction_id"] == "BANK-42"
    assert shown["status_code"] == "OTS0000"
    assert shown["settled_at"] is not None
    page = await client.get(f"/atompay/result/{txn_id}")
    assert page.status == 200
    assert "Payment received" in await page.text()


async def test_failure_code_marks_failed_and_uses_return_url(
    start_atompay: Start, sim: Sim, make_user: UserFactory, make_event: EventFactory
) -> None:
    settings = sim.settings(ATOMPAY_RETURN_URL="https://app.example/paid?from=atompay")
    client, headers, txn_id = await _started(start_atompay, make_user, make_event, atompay=settings)
    form = build_callback(sim.config, merch_txn_id=txn_id, amount="150.00", status_code="OTS0600")
    response = await client.post("/response", data=form, allow_redirects=False)
    assert response.status == 303
    assert response.headers["Location"] == (
        f"https://app.example/paid?from=atompay&merchTxnId={txn_id}&status=failed"
    )
    shown = await (await client.get(f"/api/atompay/payments/{txn_id}", headers=headers)).json()
    assert (shown["status"], shown["status_code"]) == ("failed", "OTS0600")
    # A failed payment frees the event for another attempt.
    event_id = shown["event_id"]
    again = await client.post(
        "/atompay",
        json={"event_id": event_id, "event_type": "solo", "email": "a@b.co", "phone": "9876543210"},
        headers=headers,
    )
    assert again.status == 200


@pytest.mark.parametrize(
    ("case", "status", "code"),
    [
        ("tampered", 400, "SIGNATURE_ERROR"),
        ("other_amount", 400, "BAD_REQUEST_ERROR"),
        ("unknown_txn", 404, "NOT_FOUND_ERROR"),
        ("missing", 400, "BAD_REQUEST_ERROR"),
        ("empty", 400, "BAD_REQUEST_ERROR"),
        ("garbage", 400, "BAD_REQUEST_ERROR"),
        ("wrong_key", 400, "BAD_REQUEST_ERROR"),
        ("not_a_callback", 400, "BAD_REQUEST_ERROR"),
        ("json_body", 400, "BAD_REQUEST_ERROR"),
    ],
)
async def test_bad_callbacks_change_nothing(
    start_atompay: Start,
    sim: Sim,
    make_user: UserFactory,
    make_event: EventFactory,
    db: asyncpg.Connection,
    case: str,
    status: int,
    code: str,
) -> None:
    client, _, txn_id = await _started(start_atompay, make_user, make_event)
    before = await _row(db, txn_id)
    good = build_callback(sim.config, merch_txn_id=txn_id, amount="150.00")
    forms: dict[str, Any] = {
        "tampered": build_callback(
            sim.config, merch_txn_id=txn_id, amount="150.00", tamper_signature=True
        ),
        # Signed correctly, for a different amount than the payment's.
        "other_amount": build_callback(sim.config, merch_txn_id=txn_id, amount="1.00"),
        "unknown_txn": build_callback(sim.config, merch_txn_id="PSNOSUCHPAYMENT", amount="150"),
        "missing": {"merchId": sim.config.merch_id},
        "empty": {"encData": "", "merchId": sim.config.merch_id},
        "garbage": {"encData": "ZZ-not-hex", "merchId": sim.config.merch_id},
        "wrong_key": {"encData": encrypt_json({"a": 1}, "some-other-key"), "merchId": "1"},
        "not_a_callback": {"encData": encrypt_json({"a": 1}, sim.config.res_enc_key)},
    }
    if case == "json_body":
        response = await client.post("/response", json=good, allow_redirects=False)
    else:
        response = await client.post("/response", data=forms[case], allow_redirects=False)
    assert response.status == status
    assert (await response.json())["error"]["code"] == code
    assert await _row(db, txn_id) == before


async def test_replayed_callback_changes_nothing(
    start_atompay: Start,
    sim: Sim,
    make_user: UserFactory,
    make_event: EventFactory,
    db: asyncpg.Connection,
) -> None:
    client, _, txn_id = await _started(start_atompay, make_user, make_event)
    success = build_callback(sim.config, merch_txn_id=txn_id, amount="150.00", bank_txn_id="B1")
    first = await client.post("/response", data=success, allow_redirects=False)
    assert first.status == 303
    settled = await _row(db, txn_id)
    assert settled["status"] == "success"
    again = await client.post("/response", data=success, allow_redirects=False)
    assert again.status == 303
    # A later, differently signed failure is acknowledged and ignored as well.
    late = build_callback(
        sim.config, merch_txn_id=txn_id, amount="150.00", status_code="OTS0600", bank_txn_id="B2"
    )
    later = await client.post("/response", data=late, allow_redirects=False)
    assert later.status == 303
    assert later.headers["Location"].endswith(txn_id)
    assert await _row(db, txn_id) == settled


async def test_concurrent_callbacks_settle_once(
    start_atompay: Start,
    sim: Sim,
    make_user: UserFactory,
    make_event: EventFactory,
    db: asyncpg.Connection,
) -> None:
    settings = sim.settings(ATOMPAY_RETURN_URL="https://app.example/paid")
    client, _, txn_id = await _started(start_atompay, make_user, make_event, atompay=settings)
    forms = [
        build_callback(
            sim.config,
            merch_txn_id=txn_id,
            amount="150.00",
            status_code="OTS0000" if index % 2 else "OTS0600",
            bank_txn_id=f"B{index}",
        )
        for index in range(10)
    ]
    responses = await asyncio.gather(
        *(client.post("/response", data=form, allow_redirects=False) for form in forms)
    )
    assert {response.status for response in responses} == {303}
    row = await _row(db, txn_id)
    assert row["status"] in ("success", "failed")
    # Every redirect reports the one outcome that was stored.
    statuses = {r.headers["Location"].rsplit("status=", 1)[-1] for r in responses}
    assert statuses == {row["status"]}
