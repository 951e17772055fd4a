"""Stripe request parameters for items and orders, and the per-account coupon/tax-rate cache."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from typing import Any

import asyncpg
import structlog

from payserv.queries import query
from payserv.shop.catalog import Discount, Item, Tax
from payserv.shop.money import to_minor
from payserv.shop.orders import Order
from payserv.shop.stripe_client import StripeGateway

log = structlog.get_logger(__name__)


def item_reference(item_id: int) -> str:
    return f"item:{item_id}"


def order_reference(order_id: int) -> str:
    return f"order:{order_id}"


def _line(name: str, description: str, unit_amount: int, currency: str, quantity: int) -> Any:
    product: dict[str, Any] = {"name": name}
    if description:
        product["description"] = description[:500]
    return {
        "price_data": {
            "currency": currency.lower(),
            "unit_amount": unit_amount,
            "product_data": product,
        },
        "quantity": quantity,
    }


def _session_common(reference: str, base_url: str) -> dict[str, Any]:
    return {
        "mode": "payment",
        "client_reference_id": reference,
        "success_url": f"{base_url}/success?session_id={{CHECKOUT_SESSION_ID}}",
        "cancel_url": f"{base_url}/cancel",
        "metadata": {"reference": reference},
    }


def item_session_params(item: Item, base_url: str) -> dict[str, Any]:
    """``checkout.Session.create`` parameters for one item."""
    line = _line(item.name, item.description, to_minor(item.price, item.currency), item.currency, 1)
    return {**_session_common(item_reference(item.id), base_url), "line_items": [line]}


def order_session_params(
    order: Order, coupon: str | None, tax_rates: list[str], base_url: str
) -> dict[str, Any]:
    """Parameters for an order: a line per item with its tax rates, the coupon on the session."""
    lines = []
    for line in order.lines:
        item_line = _line(
            line.name,
            line.description,
            to_minor(line.unit_price, order.currency),
            order.currency,
            line.quantity,
        )
        if tax_rates:
            item_line["tax_rates"] = tax_rates
        lines.append(item_line)
    params = {**_session_common(order_reference(order.id), base_url), "line_items": lines}
    if coupon is not None:
        params["discounts"] = [{"coupon": coupon}]
    return params


def intent_params(reference: str, amount: int, currency: str, description: str) -> dict[str, Any]:
    """``PaymentIntent.create`` parameters: the amount is always computed here."""
    return {
        "amount": amount,
        "currency": currency.lower(),
        "automatic_payment_methods": {"enabled": True},
        "description": description[:500],
        "metadata": {"reference": reference},
    }


def idempotency_key(kind: str, reference: str, params: dict[str, Any], nonce: str) -> str:
    """Deterministic per click: the same click (nonce) retried is one Stripe object."""
    material = json.dumps([kind, reference, params, nonce], sort_keys=True, default=str)
    return f"payserv-{kind}-{reference.replace(':', '-')}-{_digest(material)}"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:40]


def coupon_params(discount: Discount) -> dict[str, Any]:
    """A one-off coupon mirroring the discount."""
    params: dict[str, Any] = {"name": discount.name[:40], "duration": "once"}
    if discount.percent_off is not None:
        params["percent_off"] = _plain(discount.percent_off)
    else:
        assert discount.amount_off is not None and discount.currency is not None
        params["amount_off"] = to_minor(discount.amount_off, discount.currency)
        params["currency"] = discount.currency.lower()
    return params


def tax_rate_params(tax: Tax) -> dict[str, Any]:
    """A tax rate mirroring the tax."""
    return {
        "display_name": tax.name[:50],
        "percentage": _plain(tax.percentage),
        "inclusive": tax.inclusive,
    }


async def ensure_coupon(pool: asyncpg.Pool, gateway: StripeGateway, discount: Discount) -> str:
    """The account's coupon for ``discount``, created in Stripe the first time only."""
    params = coupon_params(discount)
    return await _ensure(pool, gateway, "coupon", discount.id, params)


async def ensure_tax_rate(pool: asyncpg.Pool, gateway: StripeGateway, tax: Tax) -> str:
    """The account's tax rate for ``tax``, created in Stripe the first time only."""
    return await _ensure(pool, gateway, "tax_rate", tax.id, tax_rate_params(tax))


def stripe_object_key(account: str, kind: str, local_id: int, params: dict[str, Any]) -> str:
    """One key per (Stripe account, coupon/tax rate): every creator of it gets one object."""
    material = json.dumps([account, kind, local_id, params], sort_keys=True, default=str)
    return f"payserv-{kind}-{local_id}-{_digest(material)}"


async def _ensure(
    pool: asyncpg.Pool, gateway: StripeGateway, kind: str, local_id: int, params: dict[str, Any]
) -> str:
    # No connection is held while Stripe is called: racing checkouts all call it with the
    # same Idempotency-Key, so Stripe creates one object and answers it to each of them.
    account = gateway.account.fingerprint
    async with pool.acquire() as conn:
        cached = await conn.fetchval(query("shop_get_stripe_object"), account, kind, local_id)
    if cached is not None:
        return str(cached)
    create = gateway.create_coupon if kind == "coupon" else gateway.create_tax_rate
    created = await create(params, stripe_object_key(account, kind, local_id, params))
    async with pool.acquire() as conn:
        await conn.execute(query("shop_insert_stripe_object"), account, kind, local_id, created.id)
        stored = await conn.fetchval(query("shop_get_stripe_object"), account, kind, local_id)
    log.info("stripe_object_cached", kind=kind, local_id=local_id, stripe_id=stored)
    return str(stored)


async def record_purchase(
    pool: asyncpg.Pool, reference: str, kind: str, stripe_id: str, amount: int, currency: str
) -> None:
    """Remember what was created in Stripe so the webhook can mark it paid."""
    async with pool.acquire() as conn:
        await conn.execute(
            query("shop_insert_purchase"), reference, kind, stripe_id, amount, currency
        )


def _plain(value: Decimal) -> str:
    """``10``, ``12.5``: no exponent, no trailing zeros."""
    return format(value.normalize(), "f")
