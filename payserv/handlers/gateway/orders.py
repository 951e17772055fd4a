"""Gateway order endpoints (DESIGN §4): create (idempotent), read, list."""

from __future__ import annotations

import asyncpg
from aiohttp import web

from payserv.context import POOL
from payserv.gateway import orders
from payserv.handlers.gateway.headers import create_idempotently, require_merchant
from payserv.web import json_response, page_response, read_json_object


async def order_create(request: web.Request) -> web.Response:
    """``POST /api/v1/orders`` → 201."""
    merchant = await require_merchant(request)
    body = await read_json_object(request)
    new = orders.parse_new_order(body)

    async def create(conn: asyncpg.Connection) -> orders.Order:
        return await orders.create_order(conn, merchant.id, new)

    return await create_idempotently(request, merchant.id, body, create)


async def order_detail(request: web.Request) -> web.Response:
    """``GET /api/v1/orders/{order_id}``."""
    merchant = await require_merchant(request)
    async with request.app[POOL].acquire() as conn:
        order = await orders.get_order(conn, merchant.id, request.match_info["order_id"])
    return json_response(order.to_json())


async def order_list(request: web.Request) -> web.Response:
    """``GET /api/v1/orders``: newest first."""
    merchant = await require_merchant(request)
    return await page_response(
        request, lambda conn, limit, offset: orders.list_orders(conn, merchant.id, limit, offset)
    )
