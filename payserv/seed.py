"""``python run.py seed``: demo data of every part (idempotent)."""

from __future__ import annotations

import asyncpg

from payserv.atompay.events import seed_demo_events
from payserv.settings import Settings
from payserv.shop.seed import seed_shop


async def seed_demo_data(conn: asyncpg.Connection, settings: Settings) -> list[str]:
    """Create each part's demo rows if missing; returns one line per thing seeded."""
    lines: list[str] = []
    # ----- part demo seeds (each idempotent, appending to lines) -----
    lines += await seed_shop(conn)
    lines += await seed_demo_events(conn)
    return lines
