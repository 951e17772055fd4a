"""What gateway requests say in headers: the merchant's API credentials, an Idempotency-Key."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
from aiohttp import web

from payserv.context import POOL
from payserv.gateway import idempotency, merchants
from payserv.web import JsonObject, dumps

Create = Callable[[asyncpg.Connection], Awaitable[JsonObject]]


async def require_merchant(request: web.Request) -> merchants.Merchant:
    """The merchant of ``X-Api-Key``/``X-Api-Secret``; 401 otherwise."""
    api_key = request.headers.get("X-Api-Key", "")
    api_secret = request.headers.get("X-Api-Secret", "")
    merchants.check_credentials(api_key, api_secret)  # before taking a connection
    async with request.app[POOL].acquire() as conn:
        return await merchants.authenticate(conn, api_key, api_secret)


async def create_idempotently(
    request: web.Request, merchant_id: uuid.UUID, body: dict[str, Any], create: Create
) -> web.Response:
    """201 with what ``create`` made in one transaction, once per ``Idempotency-Key``."""
    key = idempotency.parse_key(request.headers.get(idempotency.HEADER))
    fingerprint = idempotency.request_fingerprint(request.method, request.path, body)

    async def created(conn: asyncpg.Connection) -> idempotency.StoredResponse:
        return idempotency.StoredResponse(201, dumps((await create(conn)).to_json()))

    async with request.app[POOL].acquire() as conn:
        response = await idempotency.run_once(conn, merchant_id, key, fingerprint, created)
    return web.Response(
        text=response.body,
        status=response.status,
        content_type="application/json",
        headers={"Idempotent-Replayed": "true"} if response.replayed else None,
    )
