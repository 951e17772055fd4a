"""Merchant gateway endpoints (DESIGN §4): merchant, orders, payments, capture, refunds."""

from __future__ import annotations

from typing import Any

import asyncpg
from aiohttp import web

from payserv import gateway_orders, gateway_payments, gateway_refunds
from payserv.context import POOL, QUEUE, SETTINGS
from payserv.errors import BadRequestError, NotFoundError
from payserv.fields import isoformat
from payserv.gateway_idempotency import run_idempotent
from payserv.gateway_merchants import (
    TEST_MERCHANT_ID,
    Merchant,
    get_merchant,
    parse_webhook_url,
    require_merchant,
    set_webhook_url,
)
from payserv.gateway_payments import processing_delay
from payserv.web import json_response, page_body, page_response, pagination, read_json_object

# How long the simulated processor takes outside test mode (DESIGN §4), in seconds.
PAYMENT_PROCESSING_SECONDS = (5.0, 10.0)
REFUND_PROCESSING_SECONDS = (3.0, 5.0)


# ----- merchant -----


def _merchant_json(merchant: Merchant) -> dict[str, Any]:
    # Never a secret: the API secret is only a hash, the webhook secret stays sealed.
    return {
        "id": str(merchant.id),
        "email": merchant.email,
        "api_key": merchant.api_key,
        "webhook_url": merchant.webhook_url,
        "created_at": isoformat(merchant.created_at),
    }


async def test_merchant(request: web.Request) -> web.Response:
    """``GET /api/v1/test/merchant``: the seeded test merchant, or 404 when not seeded."""
    async with request.app[POOL].acquire() as conn:
        merchant = await get_merchant(conn, TEST_MERCHANT_ID)
    if merchant is None:
        raise NotFoundError("the test merchant is not seeded (set TEST_MODE=true)")
    return json_response(
        {
            "id": str(merchant.id),
            "email": merchant.email,
            "api_key": merchant.api_key,
            "seeded": True,
        }
    )


async def merchant_detail(request: web.Request) -> web.Response:
    """``GET /api/v1/merchant``."""
    return json_response(_merchant_json(await require_merchant(request)))


async def merchant_update(request: web.Request) -> web.Response:
    """``PATCH /api/v1/merchant`` ``{"webhook_url": url | null}``."""
    merchant = await require_merchant(request)
    body = await read_json_object(request)
    if "webhook_url" not in body:
        raise BadRequestError("webhook_url is required (null clears it)", field="webhook_url")
    allow_private = request.app[SETTINGS].allows_private_webhook_urls
    url = await parse_webhook_url(body["webhook_url"], allow_private=allow_private)
    async with request.app[POOL].acquire() as conn:
        updated = await set_webhook_url(conn, merchant.id, url)
    return json_response(_merchant_json(updated))


# ----- orders -----


async def order_create(request: web.Request) -> web.Response:
    """``POST /api/v1/orders`` → 201."""
    merchant = await require_merchant(request)
    body = await read_json_object(request)
    new = gateway_orders.parse_new_order(body)

    async def create(conn: asyncpg.Connection) -> web.Response:
        order = await gateway_orders.create_order(conn, merchant.id, new)
        return json_response(order.to_json(), status=201)

    return await run_idempotent(request, merchant.id, body, create)


async def order_detail(request: web.Request) -> web.Response:
    """``GET /api/v1/orders/{order_id}``."""
    merchant = await require_merchant(request)
    async with request.app[POOL].acquire() as conn:
        order = await gateway_orders.get_order(conn, merchant.id, request.match_info["order_id"])
    return json_response(order.to_json())


async def order_list(request: web.Request) -> web.Response:
    """``GET /api/v1/orders``: newest first."""
    merchant = await require_merchant(request)
    return await page_response(
        request,
        lambda conn, limit, offset: gateway_orders.list_orders(conn, merchant.id, limit, offset),
    )


# ----- payments -----


async def payment_create(request: web.Request) -> web.Response:
    """``POST /api/v1/payments`` → 201 ``pending``; a job settles it."""
    merchant = await require_merchant(request)
    body = await read_json_object(request)
    settings = request.app[SETTINGS]
    new = gateway_payments.parse_new_payment(body, test_mode=settings.test_mode)
    queue = request.app[QUEUE]
    process_in = processing_delay(settings, *PAYMENT_PROCESSING_SECONDS)

    async def create(conn: asyncpg.Connection) -> web.Response:
        payment = await gateway_payments.create_payment(conn, queue, merchant.id, new, process_in)
        return json_response(payment.to_json(), status=201)

    return await run_idempotent(request, merchant.id, body, create)


async def payment_detail(request: web.Request) -> web.Response:
    """``GET /api/v1/payments/{payment_id}``."""
    merchant = await require_merchant(request)
    async with request.app[POOL].acquire() as conn:
        payment = await gateway_payments.get_payment(
            conn, merchant.id, request.match_info["payment_id"]
        )
    return json_response(payment.to_json())


async def payment_list(request: web.Request) -> web.Response:
    """``GET /api/v1/payments``: newest first."""
    merchant = await require_merchant(request)
    return await page_response(
        request,
        lambda conn, limit, offset: gateway_payments.list_payments(
            conn, merchant.id, limit, offset
        ),
    )


async def payment_capture(request: web.Request) -> web.Response:
    """``POST /api/v1/payments/{payment_id}/capture`` ``{"amount"}``."""
    merchant = await require_merchant(request)
    body = await read_json_object(request)
    async with request.app[POOL].acquire() as conn, conn.transaction():
        payment = await gateway_payments.capture_payment(
            conn, merchant.id, request.match_info["payment_id"], body
        )
    return json_response(payment.to_json())


# ----- refunds -----


async def refund_create(request: web.Request) -> web.Response:
    """``POST /api/v1/payments/{payment_id}/refunds`` → 201 ``pending``."""
    merchant = await require_merchant(request)
    body = await read_json_object(request)
    new = gateway_refunds.parse_new_refund(body)
    payment_id = request.match_info["payment_id"]
    queue = request.app[QUEUE]
    process_in = processing_delay(request.app[SETTINGS], *REFUND_PROCESSING_SECONDS)

    async def create(conn: asyncpg.Connection) -> web.Response:
        refund = await gateway_refunds.create_refund(
            conn, queue, merchant.id, payment_id, new, process_in
        )
        return json_response(refund.to_json(), status=201)

    return await run_idempotent(request, merchant.id, body, create)


async def refund_list(request: web.Request) -> web.Response:
    """``GET /api/v1/payments/{payment_id}/refunds``: newest first."""
    merchant = await require_merchant(request)
    limit, offset = pagination(request)
    async with request.app[POOL].acquire() as conn:
        refunds, total = await gateway_refunds.list_refunds(
            conn, merchant.id, request.match_info["payment_id"], limit, offset
        )
    return json_response(page_body([r.to_json() for r in refunds], total, limit, offset))


async def refund_detail(request: web.Request) -> web.Response:
    """``GET /api/v1/refunds/{refund_id}``."""
    merchant = await require_merchant(request)
    async with request.app[POOL].acquire() as conn:
        refund = await gateway_refunds.get_refund(
            conn, merchant.id, request.match_info["refund_id"]
        )
    return json_response(refund.to_json())
