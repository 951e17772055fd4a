"""What the health and queue-status endpoints report: worker heartbeats and job counts."""

from __future__ import annotations

import asyncpg

from payserv.queries import query
from payserv.settings import Settings


def heartbeat_window(settings: Settings) -> float:
    """A worker is live while its last heartbeat is younger than this."""
    return max(3 * settings.worker_heartbeat_interval, 5.0)


async def live_worker_count(conn: asyncpg.Connection, settings: Settings) -> int:
    """Workers with a fresh Procrastinate heartbeat, in any process."""
    return int(await conn.fetchval(query("live_workers"), heartbeat_window(settings)))


async def job_counts(conn: asyncpg.Connection) -> dict[str, int]:
    """How many of Procrastinate's jobs are in each status (absent: none)."""
    rows = await conn.fetch(query("job_counts"))
    return {row["status"]: row["count"] for row in rows}
