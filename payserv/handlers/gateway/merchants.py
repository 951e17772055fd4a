"""Gateway merchant endpoints (DESIGN §4): the seeded test merchant, the merchant itself."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from payserv.context import POOL, SETTINGS
from payserv.errors import BadRequestError, NotFoundError
from payserv.fields import isoformat
from payserv.gateway import merchants
from payserv.handlers.gateway.headers import require_merchant
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
