"""At most 10 failed logins per username per 15 minutes, counted in the database (DESIGN §3).

``POST /users/token/`` and ``/admin/login`` share the count. An attempt is counted *before*
its password is checked and un-counted when the password was right, so concurrent guesses
(in one process or many) can never have more than :data:`MAX_FAILURES` checked.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

import asyncpg
import structlog

from payserv.errors import TooManyRequestsError
from payserv.queries import query
from payserv.users import User, check_credentials

MAX_FAILURES = 10
WINDOW_SECONDS = 15 * 60

T = TypeVar("T")

log = structlog.get_logger(__name__)


async def login(conn: asyncpg.Connection, username: str, password: str) -> User | None:
    """:func:`check_credentials` under the failure limit; 429 once the limit is reached."""
    return await throttled(conn, username, lambda: check_credentials(conn, username, password))


async def throttled(
    conn: asyncpg.Connection, key: str, check: Callable[[], Awaitable[T | None]]
) -> T | None:
    """``check()`` (None: wrong password) under the failure limit of ``key``; 429 past it.

    Other logins (the merchant dashboard) count under their own prefixed keys.
    """
    window = await conn.fetchval(
        query("login_attempt_reserve"), key, MAX_FAILURES, float(WINDOW_SECONDS)
    )
    if window is None:
        retry_after = await conn.fetchval(query("login_retry_after"), key, float(WINDOW_SECONDS))
        log.warning("login_throttled", username=key)
        raise TooManyRequestsError(
            "too many failed logins for this username; try again later",
            retry_after=retry_after or 1,
        )
    found = await check()
    if found is not None:
        await conn.execute(query("login_attempt_release"), key, window)
    return found


async def purge_expired(conn: asyncpg.Connection) -> int:
    """Delete the counts whose window has passed; returns how many."""
    purged: int = await conn.fetchval(query("login_failures_purge"), float(WINDOW_SECONDS))
    return purged
