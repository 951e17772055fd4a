"""Stripe calls: Checkout Sessions, PaymentIntents and the signed webhook."""

from __future__ import annotations

import re
import secrets
from typing import Any

import structlog
from aiohttp import web

from payserv.context import HTTP, POOL, SETTINGS
from payserv.errors import BadRequestError, ConfigurationError
from payserv.handlers.shop.api import item_of_path, order_of_path
from payserv.shop.checkout import (
    ensure_coupon,
    ensure_tax_rate,
    idempotency_key,
    intent_params,
    item_reference,
    item_session_params,
    order_reference,
    order_session_params,
    record_purchase,
)
from payserv.shop.money import to_minor
from payserv.shop.orders import Order
from payserv.shop.sandbox import webhook_secret
from payserv.shop.stripe_client import StripeGateway, publishable_key_variable, require_account
from payserv.shop.webhooks import handle_event, verify_event
from payserv.web import json_response

log = structlog.get_logger(__name__)

_NONCE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


def click_nonce(request: web.Request) -> str:
    """The page's per-click nonce (a retried click is one Stripe object), else a fresh one."""
    nonce = request.query.get("nonce")
    if nonce is None:
        return secrets.token_hex(16)
    if not _NONCE.match(nonce):
        raise BadRequestError("nonce must be 8 to 64 letters, digits, - or _", field="nonce")
    return nonce


def base_url(request: web.Request) -> str:
    """Where Stripe sends the buyer back (this service, as the browser reached it)."""
    return str(request.url.origin())


def _gateway(request: web.Request, currency: str) -> StripeGateway:
    settings = request.app[SETTINGS]
    account = require_account(settings, currency)
    return StripeGateway(account, request.app[HTTP], settings.stripe_timeout)


async def _payable_order(request: web.Request) -> Order:
    order = await order_of_path(request)
    if order.paid:
        raise BadRequestError(f"order {order.id} is already paid")
    if to_minor(order.totals.total, order.currency) <= 0:
        raise BadRequestError(f"order {order.id} has nothing to pay")
    return order


async def buy_item(request: web.Request) -> web.Response:
    """``GET /buy/{id}`` → ``{"id", "url"}`` of a new Checkout Session for one item."""
    item = await item_of_path(request)
    gateway = _gateway(request, item.currency)
    params = item_session_params(item, base_url(request))
    amount = to_minor(item.price, item.currency)
    return await _create_session(request, gateway, item_reference(item.id), params, amount)


async def buy_order(request: web.Request) -> web.Response:
    """``GET /buy/order/{id}``: per-line tax rates and the discount as a coupon."""
    order = await _payable_order(request)
    gateway = _gateway(request, order.currency)
    pool = request.app[POOL]
    coupon = await ensure_coupon(pool, gateway, order.discount) if order.discount else None
    tax_rates = [await ensure_tax_rate(pool, gateway, tax) for tax in order.taxes]
    params = order_session_params(order, coupon, tax_rates, base_url(request))
    amount = to_minor(order.totals.total, order.currency)
    return await _create_session(request, gateway, order_reference(order.id), params, amount)


async def _create_session(
    request: web.Request,
    gateway: StripeGateway,
    reference: str,
    params: dict[str, Any],
    amount: int,
) -> web.Response:
    key = idempotency_key("checkout", reference, params, click_nonce(request))
    session = await gateway.create_checkout_session(params, key)
    currency = gateway.account.currency
    await record_purchase(
        request.app[POOL], reference, "checkout_session", session.id, amount, currency
    )
    log.info("stripe_checkout_created", reference=reference, session_id=session.id, amount=amount)
    return json_response({"id": session.id, "url": session.url})


async def item_intent(request: web.Request) -> web.Response:
    """``GET /payment-intent/item/{id}``: a PaymentIntent for the item's price."""
    item = await item_of_path(request)
    amount = to_minor(item.price, item.currency)
    return await _create_intent(request, item_reference(item.id), amount, item.currency, item.name)


async def order_intent(request: web.Request) -> web.Response:
    """``GET /payment-intent/order/{id}``: a PaymentIntent for the order total."""
    order = await _payable_order(request)
    amount = to_minor(order.totals.total, order.currency)
    description = f"Order {order.id}"
    return await _create_intent(
        request, order_reference(order.id), amount, order.currency, description
    )


async def _create_intent(
    request: web.Request, reference: str, amount: int, currency: str, description: str
) -> web.Response:
    gateway = _gateway(request, currency)
    publishable = gateway.account.publishable_key
    if publishable is None:
        raise ConfigurationError(
            f"Stripe.js needs a publishable key for {currency}: set "
            f"{publishable_key_variable(currency)} or STRIPE_PUBLISHABLE_KEY"
        )
    params = intent_params(reference, amount, currency, description)
    key = idempotency_key("intent", reference, params, click_nonce(request))
    intent = await gateway.create_payment_intent(params, key)
    await record_purchase(
        request.app[POOL], reference, "payment_intent", intent.id, amount, currency
    )
    log.info("stripe_intent_created", reference=reference, intent_id=intent.id, amount=amount)
    body = {
        "id": intent.id,
        "client_secret": intent.client_secret,
        "amount": amount,
        "currency": currency.lower(),
        "publishable_key": publishable,
    }
    return json_response(body)


async def stripe_webhook(request: web.Request) -> web.Response:
    """``POST /stripe/webhook``: verified, each event once, purchases marked paid."""
    payload = await request.read()
    secret = webhook_secret(request.app[SETTINGS])
    event = verify_event(payload, request.headers.get("Stripe-Signature"), secret)
    async with request.app[POOL].acquire() as conn, conn.transaction():
        outcome = await handle_event(conn, event)
    log.info("stripe_event_received", event_id=event["id"], type=event["type"], outcome=outcome)
    return json_response({"received": True, "status": outcome})
