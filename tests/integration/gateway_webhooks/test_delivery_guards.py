"""Deliveries that must not happen, and say why in the delivery log and the log (DESIGN §1, §2)."""

from __future__ import annotations

import logging

import asyncpg
import pytest
from yarl import URL

from payserv.context import POOL
from payserv.gateway.events import emit_event
from payserv.gateway.merchants import TEST_MERCHANT_ID
from tests.conftest import AppFactory
from tests.integration.gateway_webhooks.conftest import (
    MERCHANT_HEADERS,
    Receiver,
    set_webhook_url,
    wait_for,
)

DATA = {"refund": {"id": "rfnd_abc", "amount": 100, "status": "processed"}}


async def _emit(client: object) -> None:
    app = client.app  # type: ignore[attr-defined]
    async with app[POOL].acquire() as conn, conn.transaction():
        await emit_event(conn, TEST_MERCHANT_ID, "refund.processed", DATA)


async def _attempted(db: asyncpg.Connection) -> asyncpg.Record:
    return await wait_for(
        lambda: db.fetchrow(
            "SELECT status, attempts, response_code, last_error FROM webhook_deliveries"
            " WHERE attempts >= 1"
        )
    )


async def _logged(caplog: pytest.LogCaptureFixture, event: str) -> list[str]:
    """The log lines of ``event``, once there is one (the job logs after it commits)."""

    async def lines() -> list[str]:
        return [r.getMessage() for r in caplog.records if event in r.getMessage()]

    return await wait_for(lines)


async def test_another_secret_key_is_named_in_the_delivery_log_and_the_log(
    start_app: AppFactory,
    db: asyncpg.Connection,
    receiver: Receiver,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # The template sealed the test merchant's secret with the tests' SECRET_KEY: this worker
    # runs with another one, as a process of a misconfigured installation would.
    await set_webhook_url(db, receiver.url)
    with caplog.at_level(logging.INFO):
        client = await start_app(secret_key="another-secret-key", webhook_time_scale=100)
        await _emit(client)
        row = await _attempted(db)
        unreadable = await _logged(caplog, "webhook_secret_unreadable")
    assert row["status"] == "pending" and row["attempts"] == 1
    assert row["last_error"].startswith("SECRET_KEY differs from the one that sealed")
    assert receiver.calls == []
    assert "SECRET_KEY differs from the one that sealed" in unreadable[0]
    assert not [r for r in caplog.records if "InvalidTag" in r.getMessage()]
    # The merchant sees the same reason in the delivery log of the API.
    listed = await (await client.get("/api/v1/webhooks", headers=MERCHANT_HEADERS)).json()
    assert listed["data"][0]["last_error"] == row["last_error"]


# Each form reaches this machine: the receiver listens on 127.0.0.1, so without the guard
# the delivery would succeed (or at least connect).
REFUSED_AT_DELIVERY = [
    "http://127.0.0.1:{port}/hook",
    "http://localhost:{port}/hook",
    "http://[::ffff:127.0.0.1]:{port}/hook",
    "http://[::1]:{port}/hook",
    "http://0x7f.1:{port}/hook",
    "http://2130706433:{port}/hook",
    "http://0177.0.0.1:{port}/hook",
    "http://10.0.0.1:{port}/hook",
    "http://169.254.169.254/latest/meta-data/",
    "http://[fd00::1]:{port}/hook",
]


@pytest.mark.parametrize("template", REFUSED_AT_DELIVERY)
async def test_delivery_to_a_private_address_fails_with_the_reason(
    start_app: AppFactory,
    db: asyncpg.Connection,
    receiver: Receiver,
    caplog: pytest.LogCaptureFixture,
    template: str,
) -> None:
    # Stored straight in the database: a URL set before the policy, or a name whose DNS
    # answer changed since it was checked.
    await set_webhook_url(db, template.format(port=URL(receiver.url).port))
    with caplog.at_level(logging.INFO):
        client = await start_app(test_mode=False)
        await _emit(client)
        row = await _attempted(db)
        failed = await _logged(caplog, "webhook_delivery_failed")
    assert (row["status"], row["attempts"], row["response_code"]) == ("failed", 1, None)
    assert row["last_error"].startswith("refused: "), row["last_error"]
    assert receiver.calls == []
    assert "refused: " in failed[0]


async def test_private_addresses_are_delivered_to_when_allowed(
    start_app: AppFactory, db: asyncpg.Connection, receiver: Receiver
) -> None:
    await set_webhook_url(db, receiver.url.replace("127.0.0.1", "localhost"))
    client = await start_app(test_mode=False, webhook_allow_private_urls=True)
    await _emit(client)
    await receiver.wait_calls(1)
    row = await _attempted(db)
    assert (row["status"], row["response_code"]) == ("success", 200)
