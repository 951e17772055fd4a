"""Gateway webhook delivery log: list and manual retry (DESIGN §4)."""

from __future__ import annotations

import uuid

import structlog
from aiohttp import web

from payserv.context import POOL, QUEUE
from payserv.errors import NotFoundError
from payserv.gateway import webhooks
from payserv.handlers.gateway.headers import require_merchant
from payserv.web import json_response, page_response

log = structlog.get_logger(__name__)


async def webhooks_list(request: web.Request) -> web.Response:
    """``GET /api/v1/webhooks``: the merchant's delivery log, newest first."""
    merchant = await require_merchant(request)
    return await page_response(
        request,
        lambda conn, limit, offset: webhooks.list_deliveries(conn, merchant.id, limit, offset),
    )


async def webhook_retry(request: web.Request) -> web.Response:
    """``POST /api/v1/webhooks/{id}/retry``: reset attempts and deliver again now."""
    merchant = await require_merchant(request)
    delivery_id = _parse_id(request.match_info["webhook_id"])
    async with request.app[POOL].acquire() as conn, conn.transaction():
        if not await webhooks.retry_delivery(conn, request.app[QUEUE], merchant.id, delivery_id):
            raise NotFoundError("webhook not found")
    log.info("webhook_retry_scheduled", delivery_id=str(delivery_id))
    return json_response(
        {"id": str(delivery_id), "status": "pending", "message": "Webhook retry scheduled"}
    )


def _parse_id(raw: str) -> uuid.UUID:
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise NotFoundError("webhook not found") from None
