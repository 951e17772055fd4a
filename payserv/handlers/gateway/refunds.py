"""Gateway refund endpoints (DESIGN §4): create (idempotent), list a payment's, read."""

from __future__ import annotations

import asyncpg
from aiohttp import web

from payserv.context import POOL, QUEUE, SETTINGS
from payserv.gateway import payments, refunds
from payserv.handlers.gateway.headers import create_idempotently, require_merchant
from payserv.web import json_response, page_response, read_json_object


async def refund_create(request: web.Request) -> web.Response:
    """``POST /api/v1/payments/{payment_id}/refunds`` → 201 ``pending``."""
    merchant = await require_merchant(request)
    body = await read_json_object(request)
    new = refunds.parse_new_refund(body)
    payment_id = request.match_info["payment_id"]
    queue = request.app[QUEUE]
    process_in = payments.processing_delay(request.app[SETTINGS], *refunds.PROCESSING_SECONDS)

    async def create(conn: asyncpg.Connection) -> refunds.Refund:
        return await refunds.create_refund(conn, queue, merchant.id, payment_id, new, process_in)

    return await create_idempotently(request, merchant.id, body, create)


async def refund_list(request: web.Request) -> web.Response:
    """``GET /api/v1/payments/{payment_id}/refunds``: newest first."""
    merchant = await require_merchant(request)
    payment_id = request.match_info["payment_id"]
    return await page_response(
        request,
        lambda conn, limit, offset: refunds.list_refunds(
            conn, merchant.id, payment_id, limit, offset
        ),
    )


async def refund_detail(request: web.Request) -> web.Response:
    """``GET /api/v1/refunds/{refund_id}``."""
    merchant = await require_merchant(request)
    async with request.app[POOL].acquire() as conn:
        refund = await refunds.get_refund(conn, merchant.id, request.match_info["refund_id"])
    return json_response(refund.to_json())
