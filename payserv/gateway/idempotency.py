"""Idempotency keys of the gateway's create endpoints (DESIGN §4).

The key is reserved by a unique insert in the transaction that creates the object. A
concurrent request with the same key blocks on that insert until the first commits, then
replays the stored status and body byte-for-byte; if the first rolled back (an error), the
waiting one takes the key and runs itself. Errors are therefore never stored.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import asyncpg
import structlog

from payserv.errors import BadRequestError, IdempotencyKeyMismatchError, ServiceUnavailableError
from payserv.fields import is_utf8
from payserv.queries import query

log = structlog.get_logger(__name__)

HEADER = "Idempotency-Key"
KEY_TTL_SECONDS = 24 * 3600
MAX_KEY_LENGTH = 255
# A key that expires and is purged between our failed reservation and our read is
# reserved again; more than this many rounds means something else is wrong.
_MAX_ROUNDS = 3


@dataclass(frozen=True)
class StoredResponse:
    """The status and exact body text of a create request; ``replayed`` if stored earlier."""

    status: int
    body: str
    replayed: bool = False


Create = Callable[[asyncpg.Connection], Awaitable[StoredResponse]]


def parse_key(key: str | None) -> str | None:
    """The request's ``Idempotency-Key`` (1–255 characters), if it sent one."""
    if key is None:
        return None
    if not 1 <= len(key) <= MAX_KEY_LENGTH:
        raise BadRequestError(
            f"{HEADER} must be 1 to {MAX_KEY_LENGTH} characters long", field=HEADER
        )
    if not is_utf8(key):
        raise BadRequestError(f"{HEADER} must be UTF-8 text", field=HEADER)
    return key


def request_fingerprint(method: str, path: str, body: dict[str, Any]) -> bytes:
    """What "the same request" means: method, path and the JSON body (key order ignored)."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(f"{method} {path}\n{canonical}".encode()).digest()


async def run_once(
    conn: asyncpg.Connection,
    merchant_id: uuid.UUID,
    key: str | None,
    fingerprint: bytes,
    create: Create,
    *,
    one_statement: bool = False,
) -> StoredResponse:
    """Run ``create`` in a transaction, at most once per (merchant, key); else replay it.

    ``one_statement``: ``create`` writes with a single statement, atomic on its own, so
    without a key it runs without the BEGIN and COMMIT round trips.
    """
    if key is None and one_statement:
        return await create(conn)
    if key is None:
        async with conn.transaction():
            return await create(conn)
    for _ in range(_MAX_ROUNDS):
        response = await _reserve_and_create(conn, merchant_id, key, fingerprint, create)
        if response is not None:
            return response
        stored = await conn.fetchrow(query("gateway_idempotency_key"), merchant_id, key)
        if stored is not None:
            return _replay(stored, fingerprint)
    raise ServiceUnavailableError("the idempotency key could not be reserved; retry")


async def _reserve_and_create(
    conn: asyncpg.Connection, merchant_id: uuid.UUID, key: str, fingerprint: bytes, create: Create
) -> StoredResponse | None:
    """The response if this request now owns the key; None if a committed request does."""
    async with conn.transaction():
        reserved = await conn.fetchval(
            query("gateway_reserve_idempotency_key"),
            merchant_id,
            key,
            fingerprint,
            KEY_TTL_SECONDS,
        )
        if reserved is None:
            return None
        response = await create(conn)
        await conn.execute(
            query("gateway_store_idempotent_response"),
            merchant_id,
            key,
            response.status,
            response.body,
        )
        return response


def _replay(stored: asyncpg.Record, fingerprint: bytes) -> StoredResponse:
    if bytes(stored["request_hash"]) != fingerprint:
        raise IdempotencyKeyMismatchError(
            f"{HEADER} was already used with a different request", field=HEADER
        )
    log.info("idempotent_replay")
    return StoredResponse(stored["response_status"], stored["response_body"], replayed=True)


async def delete_expired_keys(conn: asyncpg.Connection) -> int:
    """Delete keys past their 24 h; how many went."""
    return int(await conn.fetchval(query("gateway_delete_expired_idempotency_keys")))
