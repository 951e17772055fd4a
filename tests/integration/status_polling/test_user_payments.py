"""User payments and their status checks with backoff (DESIGN §6)."""

from __future__ import annotations

import asyncio
import itertools
import logging
import random
import socket
import time
from typing import Any

import asyncpg
import pytest
from aiohttp.test_utils import TestClient

from payserv.handlers.polling import STATUS_RANDOM
from tests.conftest import AppFactory, UserFactory
from tests.integration.status_polling.conftest import StatusServerFactory

FAST = {"status_poll_time_scale": 0.01, "check_status_timeout": 0.3, "worker_poll_interval": 0.05}


async def create(client: TestClient, headers: dict[str, str], amount: Any = "12.50") -> str:
    response = await client.post("/api/payments/", json={"amount": amount}, headers=headers)
    assert response.status == 201, await response.text()
    body = await response.json()
    assert body["status"] == "success"
    return str(body["object"]["id"])


async def wait_for(db: asyncpg.Connection, sql: str, *args: Any, timeout: float = 30) -> None:
    async with asyncio.timeout(timeout):
        while not await db.fetchval(sql, *args):
            await asyncio.sleep(0.05)


async def job_status(db: asyncpg.Connection, payment_id: str) -> str:
    return str(
        await db.fetchval(
            "SELECT status::text FROM procrastinate_jobs WHERE args->>'payment_id' = $1",
            payment_id,
        )
    )


async def test_create_read_and_list_own_payments(
    start_app: AppFactory, make_user: UserFactory
) -> None:
    client = await start_app(run_worker=False)
    _, alice = await make_user("alice")
    _, bob = await make_user("bob")
    first = await client.post("/api/payments/", json={"amount": 12.5}, headers=alice)
    payment = (await first.json())["object"]
    assert payment["amount"] == "12.50" and payment["payment_status"] == "pending"
    assert payment["status_checks"] == 0 and payment["last_check_error"] is None
    assert payment["processed_at"] is None and payment["created_at"].endswith("Z")
    second_id = await create(client, alice, "7")
    await create(client, bob, "1.01")
    listed = await client.get("/api/payments/", headers=alice)
    assert [p["id"] for p in await listed.json()] == [second_id, payment["id"]]
    assert listed.headers["X-Total-Count"] == "2"
    own = await client.get(f"/api/payments/{payment['id']}", headers=alice)
    assert (await own.json())["amount"] == "12.50"
    assert (await client.get(f"/api/payments/{payment['id']}", headers=bob)).status == 404
    assert (await client.get("/api/payments/not-a-uuid", headers=alice)).status == 404
    assert (await client.get("/api/payments/")).status == 401


@pytest.mark.parametrize("amount", [0, -1, "0.00", "1.005", 1.005, "abc", None, True, "NaN", [1]])
async def test_bad_amounts_are_400(
    start_app: AppFactory, make_user: UserFactory, db: asyncpg.Connection, amount: Any
) -> None:
    client = await start_app(run_worker=False)
    _, headers = await make_user()
    response = await client.post("/api/payments/", json={"amount": amount}, headers=headers)
    assert response.status == 400
    assert (await response.json())["error"]["field"] == "amount"
    assert await db.fetchval("SELECT count(*) FROM procrastinate_jobs") == 0


@pytest.mark.parametrize("final", ["completed", "failed"])
async def test_2xx_final_status_settles(
    start_app: AppFactory,
    make_user: UserFactory,
    db: asyncpg.Connection,
    status_server: StatusServerFactory,
    final: str,
) -> None:
    server = await status_server(final)
    client = await start_app(check_status_url=server.url, **FAST)
    _, headers = await make_user()
    payment_id = await create(client, headers)
    await wait_for(
        db, "SELECT processed_at IS NOT NULL FROM user_payments WHERE id=$1::uuid", payment_id
    )
    body = await (await client.get(f"/api/payments/{payment_id}", headers=headers)).json()
    assert body["payment_status"] == final and body["status_checks"] == 1
    assert server.calls[0][1] == {"payment_id": payment_id}


@pytest.mark.parametrize("irregular", [500, 502, 503, 429, "non_json", "slow", "pending", "weird"])
async def test_irregular_answers_are_retried(
    start_app: AppFactory,
    make_user: UserFactory,
    db: asyncpg.Connection,
    status_server: StatusServerFactory,
    irregular: Any,
) -> None:
    server = await status_server(irregular, "completed")
    client = await start_app(check_status_url=server.url, **FAST)
    _, headers = await make_user()
    payment_id = await create(client, headers)
    await wait_for(
        db, "SELECT processed_at IS NOT NULL FROM user_payments WHERE id=$1::uuid", payment_id
    )
    row = await db.fetchrow("SELECT * FROM user_payments WHERE id=$1::uuid", payment_id)
    assert row["payment_status"] == "completed" and row["status_checks"] == 2
    assert len(server.calls) == 2


async def test_connection_refused_is_retried(
    start_app: AppFactory, make_user: UserFactory, db: asyncpg.Connection
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again when the block ends
    client = await start_app(check_status_url=f"http://127.0.0.1:{port}/status", **FAST)
    _, headers = await make_user()
    payment_id = await create(client, headers)
    await wait_for(db, "SELECT status_checks >= 3 FROM user_payments WHERE id=$1::uuid", payment_id)
    error = await db.fetchval(
        "SELECT last_check_error FROM user_payments WHERE id=$1::uuid", payment_id
    )
    assert "unreachable" in error


@pytest.mark.parametrize("refusal", [400, 404, 422])
async def test_other_4xx_is_not_retried(
    start_app: AppFactory,
    make_user: UserFactory,
    db: asyncpg.Connection,
    status_server: StatusServerFactory,
    refusal: int,
) -> None:
    server = await status_server(refusal)
    client = await start_app(check_status_url=server.url, **FAST)
    _, headers = await make_user()
    payment_id = await create(client, headers)
    await wait_for(
        db,
        "SELECT status::text = 'succeeded' FROM procrastinate_jobs WHERE args->>'payment_id'=$1",
        payment_id,
    )
    row = await db.fetchrow("SELECT * FROM user_payments WHERE id=$1::uuid", payment_id)
    assert row["payment_status"] == "pending" and row["status_checks"] == 1
    assert str(refusal) in row["last_check_error"]
    await asyncio.sleep(0.3)  # a retry would have come by now at this scale
    assert len(server.calls) == 1


async def test_retry_schedule_full_jitter_then_failed_job(
    start_app: AppFactory,
    make_user: UserFactory,
    db: asyncpg.Connection,
    status_server: StatusServerFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    server = await status_server(503)
    scale = 0.01
    client = await start_app(check_status_url=server.url, **FAST)
    _, headers = await make_user()
    with caplog.at_level(logging.INFO):
        payment_id = await create(client, headers)
        await wait_for(
            db,
            "SELECT status::text = 'failed' FROM procrastinate_jobs WHERE args->>'payment_id'=$1",
            payment_id,
            timeout=60,
        )
    assert len(server.calls) == 11  # the first call and exactly 10 retries
    delays = await drawn_delays(db, payment_id)
    assert len(delays) == 10
    for k, delay in enumerate(delays):
        assert -0.05 <= delay < min(64, 2**k) * scale + 0.05, (k, delay)
    times = [at for at, _ in server.calls]
    for k, gap in enumerate(b - a for a, b in itertools.pairwise(times)):
        # DESIGN: a retry starts within 0.5 s of its due time.
        assert 0 <= gap < min(64, 2**k) * scale + 0.5 + 0.3, (k, gap)
    row = await db.fetchrow("SELECT * FROM user_payments WHERE id=$1::uuid", payment_id)
    assert row["payment_status"] == "pending" and row["status_checks"] == 11
    assert "503" in row["last_check_error"]
    exhausted = [
        r.getMessage() for r in caplog.records if "payment_status_check_exhausted" in r.getMessage()
    ]
    assert exhausted and payment_id in exhausted[0] and r_level(caplog) == logging.ERROR


def r_level(caplog: pytest.LogCaptureFixture) -> int:
    return next(
        r.levelno for r in caplog.records if "payment_status_check_exhausted" in r.getMessage()
    )


async def drawn_delays(db: asyncpg.Connection, payment_id: str) -> list[float]:
    """Planned retry time minus the moment the retry was decided, from Procrastinate's log."""
    rows = await db.fetch(
        """SELECT e.type::text AS type, e.at FROM procrastinate_events e
           JOIN procrastinate_jobs j ON j.id = e.job_id
           WHERE j.args->>'payment_id' = $1 ORDER BY e.id""",
        payment_id,
    )
    # Each retry writes "scheduled" (at = the planned time), then "deferred_for_retry"
    # (at = when it was decided).
    delays, planned = [], None
    for row in rows:
        if row["type"] == "scheduled":
            planned = row["at"]
        elif row["type"] == "deferred_for_retry" and planned is not None:
            delays.append((planned - row["at"]).total_seconds())
            planned = None
    return delays


async def test_delays_are_jittered_across_payments(
    start_app: AppFactory,
    make_user: UserFactory,
    db: asyncpg.Connection,
    status_server: StatusServerFactory,
) -> None:
    server = await status_server(503)
    client = await start_app(
        check_status_url=server.url, **{**FAST, "status_poll_time_scale": 0.002}
    )
    _, headers = await make_user()
    ids = [await create(client, headers) for _ in range(4)]
    for payment_id in ids:
        await wait_for(
            db,
            "SELECT status::text = 'failed' FROM procrastinate_jobs WHERE args->>'payment_id'=$1",
            payment_id,
            timeout=60,
        )
    schedules = [await drawn_delays(db, payment_id) for payment_id in ids]
    # For retries 3..9 the bounds are wide enough that equal draws mean no jitter.
    for k in range(3, 10):
        assert len({round(s[k], 4) for s in schedules}) > 1, k


async def test_builtin_simulator_is_irregular_at_the_configured_rate(start_app: AppFactory) -> None:
    def seed(app: Any) -> None:
        app[STATUS_RANDOM] = random.Random(42)

    client = await start_app(run_worker=False, setup=seed, check_status_failure_rate=0.7)

    async def call() -> bool:
        """True when the answer is irregular (error, non-JSON, or later than 2 s)."""
        started = time.monotonic()
        response = await client.post("/api/check_payment_status/", json={"payment_id": "x"})
        late = time.monotonic() - started > 2.0
        if response.status != 200 or response.content_type != "application/json" or late:
            assert response.status in (200, 429, 500, 502, 503)
            return True
        assert (await response.json())["payment_status"] in ("completed", "failed")
        return False

    answers = await asyncio.gather(*(call() for _ in range(300)))
    assert 0.6 <= sum(answers) / len(answers) <= 0.8


async def test_full_run_against_builtin_simulator_settles(
    start_app: AppFactory, make_user: UserFactory, db: asyncpg.Connection
) -> None:
    def seed(app: Any) -> None:
        app[STATUS_RANDOM] = random.Random(7)

    # The simulator is payserv's own endpoint, served here by a second payserv app.
    simulator = await start_app(run_worker=False, setup=seed, check_status_failure_rate=0.5)
    url = str(simulator.make_url("/api/check_payment_status/"))
    client = await start_app(check_status_url=url, **{**FAST, "check_status_timeout": 0.5})
    _, headers = await make_user()
    ids = [await create(client, headers) for _ in range(5)]
    await wait_for(db, "SELECT bool_and(processed_at IS NOT NULL) FROM user_payments", timeout=60)
    statuses = await db.fetch(
        "SELECT payment_status FROM user_payments WHERE id = ANY($1::uuid[])", ids
    )
    assert {row["payment_status"] for row in statuses} <= {"completed", "failed"}
