"""Dashboard webhooks page: URL, secret (regenerated and shown once), test event, log, retry."""

from __future__ import annotations

import uuid

import structlog
from aiohttp import web

from payserv.context import OUTBOX, POOL, SETTINGS
from payserv.errors import BadRequestError, NotFoundError
from payserv.gateway import credentials, merchants, webhooks
from payserv.gateway.merchants import Merchant
from payserv.handlers.dashboard.session import (
    form_fields,
    merchant_page,
    render,
    see_other,
    text_field,
)
from payserv.listing import PageRequest

log = structlog.get_logger(__name__)

LOG_ROWS = 50
PATH = "/dashboard/webhooks"
_NOTICES = {
    "saved": "Webhook URL saved.",
    "sent": "Test webhook sent: it appears in the log below.",
    "retried": "Delivery scheduled again.",
}


@merchant_page
async def webhooks_page(request: web.Request, merchant: Merchant) -> web.StreamResponse:
    """``GET /dashboard/webhooks``."""
    notice = _NOTICES.get(request.query.get("done", ""))
    return await _page(request, merchant, notice=notice)


async def _page(
    request: web.Request,
    merchant: Merchant,
    *,
    notice: str | None = None,
    error: str | None = None,
    new_secret: str | None = None,
    url_value: str | None = None,
    status: int = 200,
) -> web.Response:
    async with request.app[POOL].acquire() as conn:
        deliveries = (
            await webhooks.list_deliveries(conn, merchant.id, PageRequest(limit=LOG_ROWS))
        ).items
    context = {
        "deliveries": deliveries,
        "notice": notice,
        "error": error,
        "new_secret": new_secret,
        "url_value": (merchant.webhook_url or "") if url_value is None else url_value,
    }
    return render(request, "webhooks.html", merchant, context, status)


@merchant_page
async def save_url(request: web.Request, merchant: Merchant) -> web.StreamResponse:
    """``POST /dashboard/webhooks/url``: the same check as ``PATCH /api/v1/merchant``."""
    value = text_field(await form_fields(request), "webhook_url").strip()
    allow_private = request.app[SETTINGS].allows_private_webhook_urls
    try:
        url = await merchants.parse_webhook_url(value or None, allow_private=allow_private)
    except BadRequestError as exc:
        return await _page(request, merchant, error=exc.description, url_value=value, status=400)
    async with request.app[POOL].acquire() as conn:
        await merchants.set_webhook_url(conn, merchant.id, url)
    return see_other(f"{PATH}?done=saved")


@merchant_page
async def regenerate_secret(request: web.Request, merchant: Merchant) -> web.StreamResponse:
    """``POST /dashboard/webhooks/secret``: a new secret, shown on this response only."""
    secret_key = request.app[SETTINGS].secret_key
    assert secret_key is not None  # resolve_database provides it
    async with request.app[POOL].acquire() as conn:
        secret = await credentials.regenerate_webhook_secret(conn, merchant.id, secret_key)
    notice = "New webhook secret: copy it now, it is not shown again."
    return await _page(request, merchant, notice=notice, new_secret=secret)


@merchant_page
async def send_test(request: web.Request, merchant: Merchant) -> web.StreamResponse:
    """``POST /dashboard/webhooks/test``: a signed ``webhook.test`` delivery."""
    try:
        async with request.app[POOL].acquire() as conn, conn.transaction():
            await credentials.send_test_webhook(conn, merchant.id)
    except BadRequestError as exc:
        return await _page(request, merchant, error=exc.description, status=400)
    return see_other(f"{PATH}?done=sent")


@merchant_page
async def retry(request: web.Request, merchant: Merchant) -> web.StreamResponse:
    """``POST /dashboard/webhooks/{webhook_id}/retry``: the API's manual retry."""
    try:
        delivery_id = uuid.UUID(request.match_info["webhook_id"])
    except ValueError:
        raise NotFoundError("webhook not found") from None
    async with request.app[POOL].acquire() as conn, conn.transaction():
        if not await webhooks.retry_delivery(conn, merchant.id, delivery_id):
            raise NotFoundError("webhook not found")
    log.info("webhook_retry_scheduled", delivery_id=str(delivery_id))
    request.app[OUTBOX].retry_now(delivery_id)  # attempted now, in the background
    return see_other(f"{PATH}?done=retried")
