"""Getting a database ready: schema, then the seeded rows each part needs at start-up."""

from __future__ import annotations

import asyncpg

from payserv.gateway_merchants import ensure_test_merchant
from payserv.migrate import migrate
from payserv.settings import Settings


async def prepare_database(conn: asyncpg.Connection, settings: Settings) -> bool:
    """Apply the schema (idempotent) and the start-up seeds; True if the schema was new."""
    applied = await migrate(conn)
    # ----- part start-up seeds (each idempotent) -----
    await ensure_test_merchant(conn, settings)
    return applied
