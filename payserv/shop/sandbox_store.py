"""The Stripe sandbox's objects in Postgres: idempotent creation, retrieval, paying a session."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from typing import Any

import asyncpg
import stripe

from payserv.queries import query
from payserv.shop import sandbox_objects
from payserv.shop.sandbox_objects import PREFIXES, SandboxError, new_id
from payserv.shop.sandbox_sessions import checkout_session, referenced_ids

Body = dict[str, Any]
_CREATORS: dict[str, Callable[[str, Body], Body]] = {
    "coupon": sandbox_objects.coupon,
    "tax_rate": sandbox_objects.tax_rate,
    "payment_intent": sandbox_objects.payment_intent,
}


async def create(
    pool: asyncpg.Pool, kind: str, params: Body, key: str | None, session_url: Callable[[str], str]
) -> tuple[Body, bool]:
    """A new object, or (with a used Idempotency-Key) the first one again: ``(body, replayed)``."""
    digest = _digest(kind, params)
    async with pool.acquire() as conn:
        if key is not None and (replay := await _replay(conn, key, digest)) is not None:
            return replay, True
        object_id = new_id(kind)
        body, shown = await _build(conn, kind, object_id, params, session_url)
        stored = await conn.fetchval(
            query("stripe_sandbox_insert"), object_id, kind, body, shown, key, digest
        )
        if stored is None:  # a request with the same key won the race: answer its object
            assert key is not None
            replay = await _replay(conn, key, digest)
            assert replay is not None
            return replay, True
        return dict(stored), False


async def retrieve(pool: asyncpg.Pool, kind: str, object_id: str) -> tuple[Body, Body]:
    """``(body, shown)`` of one object; Stripe's 404 ``resource_missing`` otherwise."""
    async with pool.acquire() as conn:
        row = await conn.fetchrow(query("stripe_sandbox_get"), object_id)
    if row is None or row["object"] != kind:
        raise SandboxError(
            f"No such {kind}: '{object_id}'", status=404, param="id", code="resource_missing"
        )
    return dict(row["body"]), dict(row["shown"])


async def complete_session(pool: asyncpg.Pool, session_id: str) -> Body:
    """Pay a session (once) and return its ``checkout.session.completed`` event.

    Paying again returns the same event (same id), so the webhook can be sent again and the
    shop still stores it once.
    """
    event_id = PREFIXES["event"] + session_id.removeprefix(PREFIXES["checkout.session"])
    async with pool.acquire() as conn, conn.transaction():
        session = await conn.fetchval(query("stripe_sandbox_complete_session"), session_id)
        if session is not None:
            event = _event(event_id, "checkout.session.completed", dict(session))
            await conn.execute(query("stripe_sandbox_insert_event"), event_id, event)
        row = await conn.fetchrow(query("stripe_sandbox_get"), event_id)
    if row is None:
        await retrieve(pool, "checkout.session", session_id)  # 404 for an unknown session
        raise SandboxError(f"Checkout session {session_id} is not open.")  # expired: none yet
    return dict(row["body"])


def _event(event_id: str, kind: str, obj: Body) -> Body:
    return {
        "id": event_id,
        "object": "event",
        "api_version": stripe.api_version,
        "created": int(time.time()),
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": kind,
        "data": {"object": obj},
    }


async def _replay(conn: asyncpg.Connection, key: str, digest: str) -> Body | None:
    row = await conn.fetchrow(query("stripe_sandbox_by_key"), key)
    if row is None:
        return None
    if row["request_digest"] != digest:
        raise SandboxError(
            "Keys for idempotent requests can only be used with the same parameters they "
            f"were first used with. Try using a key other than '{key}' if you meant to "
            "execute a different request.",
            type="idempotency_error",
        )
    return dict(row["body"])


async def _build(
    conn: asyncpg.Connection,
    kind: str,
    object_id: str,
    params: Body,
    session_url: Callable[[str], str],
) -> tuple[Body, Body]:
    if kind != "checkout.session":
        return _CREATORS[kind](object_id, params), {}
    rows = await conn.fetch(query("stripe_sandbox_get_many"), referenced_ids(params))
    related = {row["id"]: dict(row["body"]) for row in rows}
    return checkout_session(object_id, params, related, session_url(object_id))


def _digest(kind: str, params: Body) -> str:
    material = json.dumps([kind, params], sort_keys=True)
    return hashlib.sha256(material.encode()).hexdigest()
