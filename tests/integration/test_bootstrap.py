"""Start-up: a warning when the test merchant's public credentials are reachable (DESIGN §3)."""

from __future__ import annotations

import logging
from dataclasses import replace

import asyncpg
import pytest

from payserv.bootstrap import is_loopback, prepare_database
from payserv.settings import Settings


def exposed_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if "test_merchant_exposed" in r.getMessage()]


@pytest.mark.parametrize(
    ("host", "warned"),
    [("0.0.0.0", True), ("192.0.2.10", True), ("127.0.0.1", False), ("localhost", False)],
)
async def test_test_merchant_on_a_public_host_is_a_warning(
    db: asyncpg.Connection,
    settings: Settings,
    caplog: pytest.LogCaptureFixture,
    host: str,
    warned: bool,
) -> None:
    with caplog.at_level(logging.WARNING):
        await prepare_database(db, replace(settings, host=host))
    messages = exposed_warnings(caplog)
    assert bool(messages) is warned, messages
    if warned:
        assert "test@example.com" in messages[0] and host in messages[0]


async def test_no_warning_without_the_test_merchant(
    db: asyncpg.Connection, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    await db.execute("DELETE FROM merchants")
    production = replace(settings, test_mode=False, database_url="postgresql://db.example/x")
    assert not production.seeds_test_merchant
    with caplog.at_level(logging.WARNING):
        await prepare_database(db, replace(production, host="0.0.0.0"))
    assert exposed_warnings(caplog) == []


def test_loopback_hosts() -> None:
    assert all(is_loopback(h) for h in ("127.0.0.1", "127.1.2.3", "::1", "[::1]", "LOCALHOST"))
    assert not any(is_loopback(h) for h in ("0.0.0.0", "::", "10.0.0.1", "example.com", ""))
