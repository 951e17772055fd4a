"""The polling part's job names and typed deferrers (names are stored in procrastinate_jobs)."""

from __future__ import annotations

import asyncpg
import procrastinate

from payserv.queue import defer

CHECK_PAYMENT_STATUS = "polling.check_payment_status"


async def defer_status_check(
    conn: asyncpg.Connection, queue: procrastinate.App, payment_id: str
) -> None:
    """Check ``payment_id``'s status in the background, if the caller's transaction commits."""
    await defer(conn, queue, CHECK_PAYMENT_STATUS, payment_id=payment_id)
