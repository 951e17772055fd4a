"""Bank webhooks: exactly-once credits under retries and concurrency (DESIGN §5)."""

from __future__ import annotations

import asyncio
import json
import logging
import random
import uuid
from typing import Any

import asyncpg
import pytest

from payserv.bank.inn import inn_checksum_valid
from payserv.signatures import hex_signature
from tests.conftest import AppFactory, UserFactory

INN = "7707083893"


def make_inn(rng: random.Random) -> str:
    """A random valid 10-digit INN."""
    while True:
        digits = "".join(str(rng.randrange(10)) for _ in range(9))
        for check in "0123456789":
            if inn_checksum_valid(digits + check):
                return digits + check


def operation(**overrides: Any) -> dict[str, Any]:
    body = {
        "operation_id": str(uuid.uuid4()),
        "amount": 145000,
        "payer_inn": INN,
        "document_number": "PAY-328",
        "document_date": "2024-04-27T21:00:00Z",
    }
    body.update(overrides)
    return body


async def test_new_then_duplicate(start_app: AppFactory, db: asyncpg.Connection) -> None:
    client = await start_app(run_worker=False)
    body = operation()
    first = await client.post("/api/webhook/bank/", json=body)
    assert first.status == 200
    assert await first.json() == {"status": "processed", "operation_id": body["operation_id"]}
    again = await client.post("/api/webhook/bank/", json=body)
    assert await again.json() == {"status": "duplicate", "operation_id": body["operation_id"]}
    assert await db.fetchval("SELECT balance FROM bank_organizations WHERE inn=$1", INN) == 145000
    log = await db.fetch("SELECT delta, balance_after FROM bank_balance_log")
    assert [tuple(r) for r in log] == [(145000, 145000)]


async def test_duplicate_with_other_fields_is_logged_and_changes_nothing(
    start_app: AppFactory, db: asyncpg.Connection, caplog: pytest.LogCaptureFixture
) -> None:
    client = await start_app(run_worker=False)
    body = operation()
    await client.post("/api/webhook/bank/", json=body)
    with caplog.at_level(logging.WARNING):
        response = await client.post("/api/webhook/bank/", json={**body, "amount": 999})
    assert (await response.json())["status"] == "duplicate"
    assert any("bank_operation_conflict" in r.getMessage() for r in caplog.records)
    assert await db.fetchval("SELECT balance FROM bank_organizations") == 145000
    assert await db.fetchval("SELECT amount FROM bank_operations") == 145000


async def test_200_concurrent_deliveries_credit_once(
    start_app: AppFactory, db: asyncpg.Connection
) -> None:
    client = await start_app(run_worker=False)
    body = operation(amount=500)
    responses = await asyncio.gather(
        *(client.post("/api/webhook/bank/", json=body) for _ in range(200))
    )
    assert {r.status for r in responses} == {200}
    statuses = [(await r.json())["status"] for r in responses]
    assert statuses.count("processed") == 1 and statuses.count("duplicate") == 199
    assert await db.fetchval("SELECT balance FROM bank_organizations WHERE inn=$1", INN) == 500
    assert await db.fetchval("SELECT count(*) FROM bank_balance_log") == 1


async def test_500_concurrent_operations_over_10_organizations_add_up(
    start_app: AppFactory, db: asyncpg.Connection
) -> None:
    client = await start_app(run_worker=False)
    rng = random.Random(5)
    inns = [make_inn(rng) for _ in range(10)]
    bodies = [
        operation(payer_inn=rng.choice(inns), amount=rng.randint(1, 10**6)) for _ in range(500)
    ]
    responses = await asyncio.gather(*(client.post("/api/webhook/bank/", json=b) for b in bodies))
    assert {r.status for r in responses} == {200}
    expected: dict[str, int] = {}
    for body in bodies:
        expected[body["payer_inn"]] = expected.get(body["payer_inn"], 0) + body["amount"]
    balances = dict(await db.fetch("SELECT inn, balance FROM bank_organizations"))
    assert balances == expected
    for inn, balance in expected.items():
        rows = await db.fetch(
            "SELECT delta, balance_after FROM bank_balance_log WHERE inn=$1 ORDER BY id", inn
        )
        running = 0
        for delta, balance_after in rows:
            running += delta
            assert balance_after == running  # each row holds the balance right after it
        assert running == balance


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"operation_id": "not-a-uuid"}, "operation_id"),
        ({"operation_id": 5}, "operation_id"),
        ({"amount": 0}, "amount"),
        ({"amount": -5}, "amount"),
        ({"amount": 10.5}, "amount"),
        ({"amount": "100"}, "amount"),
        ({"amount": True}, "amount"),
        ({"amount": 10**12 + 1}, "amount"),
        ({"payer_inn": "12345"}, "payer_inn"),
        ({"payer_inn": "7707083894"}, "payer_inn"),
        ({"payer_inn": "500100732258"}, "payer_inn"),
        ({"payer_inn": 7707083893}, "payer_inn"),
        ({"document_number": "x" * 51}, "document_number"),
        ({"document_number": ""}, "document_number"),
        ({"document_date": "yesterday"}, "document_date"),
        ({"document_date": None}, "document_date"),
    ],
)
async def test_validation_errors_name_the_field(
    start_app: AppFactory, db: asyncpg.Connection, overrides: dict[str, Any], field: str
) -> None:
    client = await start_app(run_worker=False)
    response = await client.post("/api/webhook/bank/", json=operation(**overrides))
    assert response.status == 400
    error = (await response.json())["error"]
    assert (error["code"], error["field"]) == ("BAD_REQUEST_ERROR", field)
    assert await db.fetchval("SELECT count(*) FROM bank_operations") == 0


async def test_12_digit_inn_is_accepted(start_app: AppFactory) -> None:
    client = await start_app(run_worker=False)
    response = await client.post("/api/webhook/bank/", json=operation(payer_inn="500100732259"))
    assert (await response.json())["status"] == "processed"


async def test_signature_required_when_secret_is_set(
    start_app: AppFactory, db: asyncpg.Connection
) -> None:
    client = await start_app(run_worker=False, bank_webhook_secret="bank-secret")
    raw = json.dumps(operation()).encode()
    headers = {"Content-Type": "application/json"}
    for signature in (None, "0" * 64, hex_signature("other-secret", raw)):
        sent = headers if signature is None else {**headers, "X-Signature": signature}
        response = await client.post("/api/webhook/bank/", data=raw, headers=sent)
        assert response.status == 400
        assert (await response.json())["error"]["code"] == "SIGNATURE_ERROR"
    assert await db.fetchval("SELECT count(*) FROM bank_operations") == 0
    good = {**headers, "X-Signature": hex_signature("bank-secret", raw)}
    response = await client.post("/api/webhook/bank/", data=raw, headers=good)
    assert (await response.json())["status"] == "processed"


async def test_balance_and_log_reads(start_app: AppFactory, make_user: UserFactory) -> None:
    client = await start_app(run_worker=False)
    _, headers = await make_user()
    for amount in (100, 250):
        await client.post("/api/webhook/bank/", json=operation(amount=amount))
    balance = await client.get(f"/api/organizations/{INN}/balance/", headers=headers)
    assert await balance.json() == {"inn": INN, "balance": 350}
    log = await (
        await client.get(f"/api/organizations/{INN}/balance-log/?limit=1", headers=headers)
    ).json()
    assert log["total"] == 2 and log["limit"] == 1 and log["offset"] == 0
    assert log["data"][0]["delta"] == 250 and log["data"][0]["balance_after"] == 350
    unknown = await client.get("/api/organizations/500100732259/balance/", headers=headers)
    assert unknown.status == 404
    malformed = await client.get("/api/organizations/12ab/balance/", headers=headers)
    assert malformed.status == 400
    assert (await malformed.json())["error"]["field"] == "inn"
    anonymous = await client.get(f"/api/organizations/{INN}/balance/")
    assert anonymous.status == 401
