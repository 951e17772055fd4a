"""Gateway payment endpoints (DESIGN §4): create (idempotent), read, list, capture."""

from __future__ import annotations

import asyncpg
from aiohttp import web

from payserv.context import POOL, QUEUE, SETTINGS
from payserv.gateway import payments
from payserv.handlers.gateway.headers import create_idempotently, require_merchant
from payserv.web import json_response, page_response, read_json_object


async def payment_create(request: web.Request) -> web.Response:
    """``POST /api/v1/payments`` → 201 ``pending``; a job settles it."""
    merchant = await require_merchant(request)
    body = await read_json_object(request)
    settings = request.app[SETTINGS]
    new = payments.parse_new_payment(body, test_mode=settings.test_mode)
    queue = request.app[QUEUE]
    process_in = payments.processing_delay(settings, *payments.PROCESSING_SECONDS)

    async def create(conn: asyncpg.Connection) -> payments.Payment:
        return await payments.create_payment(conn, queue, merchant.id, new, process_in)

    return await create_idempotently(request, merchant.id, body, create)


async def payment_detail(request: web.Request) -> web.Response:
    """``GET /api/v1/payments/{payment_id}``."""
    merchant = await require_merchant(request)
    async with request.app[POOL].acquire() as conn:
        payment = await payments.get_payment(conn, merchant.id, request.match_info["payment_id"])
    return json_response(payment.to_json())


async def payment_list(request: web.Request) -> web.Response:
    """``GET /api/v1/payments``: newest first."""
    merchant = await require_merchant(request)
    return await page_response(
        request,
        lambda conn, limit, offset: payments.list_payments(conn, merchant.id, limit, offset),
    )


async def payment_capture(request: web.Request) -> web.Response:
    """``POST /api/v1/payments/{payment_id}/capture`` ``{"amount"}``."""
    merchant = await require_merchant(request)
    body = await read_json_object(request)
    async with request.app[POOL].acquire() as conn, conn.transaction():
        payment = await payments.capture_payment(
            conn, merchant.id, request.match_info["payment_id"], body
        )
    return json_response(payment.to_json())
