"""Dashboard logins and sessions of merchants (DESIGN §4b).

A session id is 32 random bytes in the cookie; the database keeps only its SHA-256, with the
merchant and an expiry, so every web process knows it and a logout ends it everywhere.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import uuid

import asyncpg
import structlog

from payserv.errors import BadRequestError, PayservError
from payserv.gateway.merchants import Merchant
from payserv.gateway.rows import from_row
from payserv.login_throttle import throttled
from payserv.queries import query
from payserv.users import MIN_PASSWORD_LENGTH, hash_password, verify_password

log = structlog.get_logger(__name__)

SESSION_TTL_SECONDS = 8 * 3600
# Failed dashboard logins count apart from user logins of the same name (login_failures).
THROTTLE_PREFIX = "merchant:"
# Checked when the email is unknown or has no password, so every miss costs one scrypt.
_DUMMY_HASH = "scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$" + "A" * 44


def session_digest(session_id: str) -> bytes:
    """What the database keeps of a session id."""
    return hashlib.sha256(session_id.encode()).digest()


async def check_password(conn: asyncpg.Connection, email: str, password: str) -> uuid.UUID | None:
    """The id of the merchant whose dashboard password this is, else None (same cost)."""
    row = await conn.fetchrow(query("gateway_merchant_login_by_email"), email)
    stored = row["dashboard_password_hash"] if row else None
    valid = await asyncio.to_thread(verify_password, password, stored or _DUMMY_HASH)
    return row["id"] if row is not None and stored is not None and valid else None


async def login(conn: asyncpg.Connection, email: str, password: str) -> uuid.UUID | None:
    """:func:`check_password` under the failed-login limit of ``email``; 429 past it."""
    return await throttled(
        conn, THROTTLE_PREFIX + email, lambda: check_password(conn, email, password)
    )


async def start_session(
    conn: asyncpg.Connection, merchant_id: uuid.UUID, previous: str | None = None
) -> str:
    """A new session id for the merchant; ``previous`` (the id before login) stops working."""
    session_id = secrets.token_urlsafe(32)
    async with conn.transaction():
        if previous:
            await conn.execute(query("dashboard_delete_session"), session_digest(previous))
        await conn.execute(query("dashboard_delete_expired_sessions"), merchant_id)
        await conn.execute(
            query("dashboard_insert_session"),
            session_digest(session_id),
            merchant_id,
            float(SESSION_TTL_SECONDS),
        )
    log.info("dashboard_login", merchant_id=str(merchant_id))
    return session_id


async def purge_expired_sessions(conn: asyncpg.Connection) -> int:
    """Delete every merchant's expired sessions (also of merchants who never log in again)."""
    return int(await conn.fetchval(query("dashboard_purge_expired_sessions")))


async def session_merchant(conn: asyncpg.Connection, session_id: str) -> Merchant | None:
    """The merchant of a live session, else None (unknown, ended or expired)."""
    row = await conn.fetchrow(query("dashboard_session_merchant"), session_digest(session_id))
    return from_row(Merchant, row) if row else None


async def end_session(conn: asyncpg.Connection, session_id: str) -> None:
    """Log out: the session id names no one any more, in every process."""
    await conn.execute(query("dashboard_delete_session"), session_digest(session_id))


def check_new_password(password: str) -> str:
    """A dashboard password of at least 8 characters (DESIGN §2)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise BadRequestError(
            f"the password must be at least {MIN_PASSWORD_LENGTH} characters long",
            field="password",
        )
    return password


async def set_password(conn: asyncpg.Connection, email: str, password: str) -> uuid.UUID:
    """Set the dashboard password of the merchant ``email``; its open sessions end."""
    password_hash = await asyncio.to_thread(hash_password, check_new_password(password))
    async with conn.transaction():
        merchant_id = await conn.fetchval(
            query("gateway_set_dashboard_password"), email, password_hash
        )
        if merchant_id is None:
            raise PayservError(f"no merchant with email {email!r}")
        await conn.execute(query("dashboard_delete_merchant_sessions"), merchant_id)
    return merchant_id
