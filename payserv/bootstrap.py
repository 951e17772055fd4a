"""Getting a database ready: schema, then the seeded rows each part needs at start-up."""

from __future__ import annotations

import ipaddress

import asyncpg
import structlog

from payserv.gateway.merchants import (
    TEST_MERCHANT_EMAIL,
    TEST_MERCHANT_ID,
    ensure_test_merchant,
    get_merchant,
)
from payserv.migrate import migrate
from payserv.settings import Settings

log = structlog.get_logger(__name__)


async def prepare_database(conn: asyncpg.Connection, settings: Settings) -> bool:
    """Apply the schema (idempotent) and the start-up seeds; True if the schema was new."""
    applied = await migrate(conn)
    # ----- part start-up seeds (each idempotent) -----
    await ensure_test_merchant(conn, settings)
    await _warn_if_test_merchant_exposed(conn, settings)
    return applied


async def _warn_if_test_merchant_exposed(conn: asyncpg.Connection, settings: Settings) -> None:
    """DESIGN §3: the test merchant's credentials are public, so say so when others can reach it."""
    if is_loopback(settings.host) or await get_merchant(conn, TEST_MERCHANT_ID) is None:
        return
    log.warning(
        "test_merchant_exposed",
        merchant_id=str(TEST_MERCHANT_ID),
        email=TEST_MERCHANT_EMAIL,
        host=settings.host,
        hint="its credentials are public: set HOST=127.0.0.1, or use your own DATABASE_URL "
        "without TEST_MODE",
    )


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (``127.0.0.0/8``, ``::1``)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
