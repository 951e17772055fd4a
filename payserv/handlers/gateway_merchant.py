"""The merchant's own account in the gateway API (DESIGN §3, §4b): details, webhook URL,
rolling its secrets, a test webhook."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from payserv.context import POOL, SETTINGS
from payserv.errors import BadRequestError, NotFoundError
from payserv.fields import isoformat
from payserv.gateway import credentials, merchants
from payserv.handlers.gateway import delivering_after_commit, require_merchant
from payserv.web import json_response, read_json_object


def _merchant_json(merchant: merchants.Merchant) -> dict[str, Any]:
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
        merchant = await merchants.get_merchant(conn, merchants.TEST_MERCHANT_ID)
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
    url = await merchants.parse_webhook_url(body["webhook_url"], allow_private=allow_private)
    async with request.app[POOL].acquire() as conn:
        updated = await merchants.set_webhook_url(conn, merchant.id, url)
    return json_response(_merchant_json(updated))


async def merchant_api_secret(request: web.Request) -> web.Response:
    """``POST /api/v1/merchant/api-secret``: roll the API secret; the old one fails at once."""
    merchant = await require_merchant(request)
    async with request.app[POOL].acquire() as conn:
        api_secret = await credentials.roll_api_secret(conn, merchant.id)
    return json_response({"api_secret": api_secret})


async def merchant_webhook_secret(request: web.Request) -> web.Response:
    """``POST /api/v1/merchant/webhook-secret``: a new ``whsec_`` secret, shown once."""
    merchant = await require_merchant(request)
    secret_key = request.app[SETTINGS].secret_key
    assert secret_key is not None  # resolve_database provides it
    async with request.app[POOL].acquire() as conn:
        secret = await credentials.regenerate_webhook_secret(conn, merchant.id, secret_key)
    return json_response({"webhook_secret": secret})


async def merchant_webhook_test(request: web.Request) -> web.Response:
    """``POST /api/v1/merchant/webhook-test`` → 202: a signed, logged ``webhook.test``."""
    merchant = await require_merchant(request)
    with delivering_after_commit(request):
        async with request.app[POOL].acquire() as conn, conn.transaction():
            await credentials.send_test_webhook(conn, merchant.id)
    return json_response({"event": credentials.TEST_EVENT, "status": "scheduled"}, status=202)
