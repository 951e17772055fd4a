"""The gateway's hosted checkout (DESIGN §4a): public endpoints, the page, the SDK, the demo.

Nothing here needs credentials: the unguessable order id is the capability. A public
payment is made as the order's merchant through the same handler path as
``POST /api/v1/payments`` (validation, one success per order, Idempotency-Key).
"""

from __future__ import annotations

from importlib import resources
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from payserv.context import POOL, SETTINGS
from payserv.errors import NotFoundError
from payserv.gateway import idempotency, merchants, orders, payments, public
from payserv.handlers.gateway import create_payment_response
from payserv.web import json_response, read_json_object

# The browser assets payserv serves itself (no CDN, no build step), by file name.
_ASSETS = {
    "checkout.js": "application/javascript",
    "checkout-page.js": "application/javascript",
    "demo.js": "application/javascript",
    "checkout.css": "text/css",
    "payserv.css": "text/css",
}
# What the demo shop sells: one order of this many paise per visit.
DEMO_AMOUNT = 50000


# ----- public JSON endpoints -----


async def public_order(request: web.Request) -> web.Response:
    """``GET /api/v1/orders/{order_id}/public``."""
    async with request.app[POOL].acquire() as conn:
        order = await public.get_public_order(conn, request.match_info["order_id"])
    return json_response(order.to_json())


async def public_payment_create(request: web.Request) -> web.Response:
    """``POST /api/v1/payments/public`` → 201 ``pending``, as the order's merchant."""
    body = await read_json_object(request)
    new = payments.parse_new_payment(body, test_mode=request.app[SETTINGS].test_mode)
    # A bad key is a 400 before the order is looked up, as on the authenticated endpoint.
    idempotency.parse_key(request.headers.get(idempotency.HEADER))
    async with request.app[POOL].acquire() as conn:
        merchant_id = await public.order_merchant_id(conn, new.order_id)
    return await create_payment_response(request, merchant_id, body, new)


async def public_payment(request: web.Request) -> web.Response:
    """``GET /api/v1/payments/{payment_id}/public``: status, never VPA or card data."""
    async with request.app[POOL].acquire() as conn:
        payment = await public.get_public_payment(conn, request.match_info["payment_id"])
    return json_response(payment)


# ----- pages and assets -----


async def checkout_page(request: web.Request) -> web.StreamResponse:
    """``GET /checkout?order_id=…`` and ``/checkout/{order_id}``; ``&embedded=true`` in the SDK."""
    order_id = request.match_info.get("order_id") or request.query.get("order_id", "")
    if not order_id or "\x00" in order_id:  # Postgres text holds no NUL: it names nothing
        raise NotFoundError("order not found")
    async with request.app[POOL].acquire() as conn:
        order = await public.get_public_order(conn, order_id)
    context: dict[str, Any] = {
        "order": order,
        "amount": public.display_amount(order.amount, order.currency),
        "embedded": request.query.get("embedded") == "true",
    }
    return aiohttp_jinja2.render_template("checkout/page.html", request, context)


async def sdk(request: web.Request) -> web.Response:
    """``GET /checkout.js``: the SDK a merchant's page loads from payserv."""
    return _asset("checkout.js")


async def static_asset(request: web.Request) -> web.Response:
    """``GET /static/{name}``: the pages' scripts and styles."""
    return _asset(request.match_info["name"])


def _asset(name: str) -> web.Response:
    content_type = _ASSETS.get(name)
    if content_type is None:
        raise NotFoundError("no such file")
    text = resources.files("payserv").joinpath("static").joinpath(name).read_text(encoding="utf-8")
    return web.Response(
        text=text,
        content_type=content_type,
        headers={"Cache-Control": "public, max-age=300"},
    )


async def demo_page(request: web.Request) -> web.StreamResponse:
    """``GET /demo``: a sample shop that opens the SDK on a new order of the test merchant.

    Only where the test merchant is seeded (test mode, embedded database): its credentials
    are public there anyway.
    """
    if not request.app[SETTINGS].seeds_test_merchant:
        raise NotFoundError()
    new = orders.NewOrder(amount=DEMO_AMOUNT, currency="INR", receipt="demo", notes={})
    async with request.app[POOL].acquire() as conn:
        merchant = await merchants.get_merchant(conn, merchants.TEST_MERCHANT_ID)
        if merchant is None:
            raise NotFoundError("the test merchant is not seeded")
        order = await orders.create_order(conn, merchant.id, new)
    context = {
        "order": order,
        "api_key": merchant.api_key,
        "amount": public.display_amount(order.amount, order.currency),
    }
    return aiohttp_jinja2.render_template("demo/page.html", request, context)
