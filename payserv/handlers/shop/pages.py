"""Shop HTML pages: item and order pages with a Buy button, PaymentIntent pages, results."""

from __future__ import annotations

from typing import Any

import aiohttp_jinja2
from aiohttp import web

from payserv.context import SETTINGS
from payserv.handlers.shop.api import item_of_path, order_of_path
from payserv.shop.catalog import money_text
from payserv.shop.stripe_client import find_account, missing_key_message

# Where pages load Stripe.js from; tests set it to "" (or an unreachable URL) because
# js.stripe.com is out of reach there, and the pages then fall back to ``location = url``.
STRIPE_JS_URL = web.AppKey("shop_stripe_js_url", str)
DEFAULT_STRIPE_JS_URL = "https://js.stripe.com/v3/"


def _stripe_context(request: web.Request, currency: str) -> dict[str, Any]:
    settings = request.app[SETTINGS]
    account = find_account(settings, currency)
    if settings.stripe_sandbox:
        # Real Stripe.js knows nothing of the sandbox's sessions: Buy goes to session.url.
        return {
            "stripe_js_url": "",
            "publishable_key": None,
            "not_configured": None,
            "sandbox": True,
        }
    return {
        "stripe_js_url": request.app.get(STRIPE_JS_URL, DEFAULT_STRIPE_JS_URL),
        "publishable_key": account.publishable_key if account else None,
        "not_configured": None if account else missing_key_message(currency),
        "sandbox": False,
    }


async def item_page(request: web.Request) -> web.StreamResponse:
    """``GET /item/{id}``: name, description, price and the Buy button."""
    item = await item_of_path(request)
    context = {
        "item": item,
        "price": money_text(item.price, item.currency),
        "buy_url": f"/buy/{item.id}",
        **_stripe_context(request, item.currency),
    }
    return aiohttp_jinja2.render_template("shop/item.html", request, context)


async def order_page(request: web.Request) -> web.StreamResponse:
    """``GET /order/{id}``: lines, discount, taxes, total and the Buy button."""
    order = await order_of_path(request)
    context = {
        "order": order.to_json(),
        "buy_url": f"/buy/order/{order.id}",
        **_stripe_context(request, order.currency),
    }
    return aiohttp_jinja2.render_template("shop/order.html", request, context)


async def pay_item_page(request: web.Request) -> web.StreamResponse:
    """``GET /pay/item/{id}``: the PaymentIntent variant, confirmed with Stripe.js."""
    item = await item_of_path(request)
    context = {
        "title": item.name,
        "amount": money_text(item.price, item.currency),
        "currency": item.currency,
        "intent_url": f"/payment-intent/item/{item.id}",
        **_stripe_context(request, item.currency),
    }
    return aiohttp_jinja2.render_template("shop/pay.html", request, context)


async def pay_order_page(request: web.Request) -> web.StreamResponse:
    """``GET /pay/order/{id}``: the PaymentIntent variant for an order."""
    order = await order_of_path(request)
    context = {
        "title": f"order #{order.id}",
        "amount": money_text(order.totals.total, order.currency),
        "currency": order.currency,
        "intent_url": f"/payment-intent/order/{order.id}",
        **_stripe_context(request, order.currency),
    }
    return aiohttp_jinja2.render_template("shop/pay.html", request, context)


async def success_page(request: web.Request) -> web.StreamResponse:
    """``GET /success``: where Stripe returns the buyer after paying."""
    context = {
        "heading": "Thank you!",
        "text": "Your payment was received; it is marked paid once Stripe confirms it.",
    }
    return aiohttp_jinja2.render_template("shop/result.html", request, context)


async def cancel_page(request: web.Request) -> web.StreamResponse:
    """``GET /cancel``: where Stripe returns the buyer who gave up."""
    context = {"heading": "Payment cancelled", "text": "Nothing was charged."}
    return aiohttp_jinja2.render_template("shop/result.html", request, context)
