"""Checkout Sessions of the Stripe sandbox: line items, coupon and tax rates → amounts.

Stripe spreads a coupon over the lines and rounds per line; the sandbox works out the
session's total at order level with the shop's own arithmetic (payserv.shop.pricing), so
for what the shop sends (every line with the same tax rates) it charges the figure the
order shows. Sessions whose lines carry different tax rates are refused, not approximated.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from payserv import money
from payserv.shop.pricing import DiscountSpec, OrderTotals, PricedLine, TaxSpec
from payserv.shop.pricing import compute_order_totals as order_totals
from payserv.shop.sandbox_objects import (
    SandboxError,
    base_object,
    currency_param,
    int_param,
    metadata_param,
    text_param,
)

SESSION_LIFETIME = 24 * 3600


def referenced_ids(params: dict[str, Any]) -> list[str]:
    """The coupons and tax rates a session's parameters name (the store loads them)."""
    ids = [str(d.get("coupon")) for d in _list(params, "discounts") if isinstance(d, dict)]
    for line in _list(params, "line_items"):
        if isinstance(line, dict):
            ids.extend(str(rate) for rate in _list(line, "tax_rates"))
    return ids


def checkout_session(
    object_id: str, params: dict[str, Any], related: dict[str, dict[str, Any]], url: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """``POST /v1/checkout/sessions`` → (the session, what only the stand-in page shows)."""
    if text_param(params, "mode") != "payment":
        raise SandboxError("The sandbox supports mode=payment only.", param="mode")
    lines = [_line(line, i, related) for i, line in enumerate(_list(params, "line_items"))]
    if not lines:
        raise SandboxError("Missing required param: line_items.", param="line_items")
    currency = _one(lines, "currency", "line_items must all have the same currency")
    rate_ids = _one(lines, "tax_rates", "the sandbox needs the same tax_rates on every line")
    coupon = _coupon(params, related, currency)
    taxes = [related[rate] for rate in rate_ids]
    totals = _totals(lines, currency, coupon, taxes)
    body = base_object("checkout.session", object_id)
    body.update(mode="payment", status="open", payment_status="unpaid", currency=currency)
    body.update(client_reference_id=params.get("client_reference_id"), url=url)
    body.update(success_url=text_param(params, "success_url"), metadata=metadata_param(params))
    body.update(cancel_url=params.get("cancel_url"), payment_intent=None, customer=None)
    body.update(expires_at=body["created"] + SESSION_LIFETIME, **_amounts(totals, currency))
    shown = {
        "line_items": lines,
        "coupon": coupon.get("name") or coupon.get("id") if coupon else None,
        "tax_rates": [f"{t['display_name']} {t['percentage']:g}%" for t in taxes],
    }
    return body, shown


def _list(params: dict[str, Any], name: str) -> list[Any]:
    value = params.get(name)
    if value is None:
        return []
    if not isinstance(value, list):
        raise SandboxError(f"Invalid array: {name}", param=name)
    return value


def _line(line: Any, index: int, related: dict[str, dict[str, Any]]) -> dict[str, Any]:
    where = f"line_items[{index}]"
    if not isinstance(line, dict) or not isinstance(line.get("price_data"), dict):
        raise SandboxError("The sandbox needs price_data on every line.", param=where)
    price = line["price_data"]
    product = price.get("product_data")
    if not isinstance(product, dict):
        raise SandboxError("The sandbox needs product_data.", param=f"{where}[price_data]")
    rates = [str(rate) for rate in _list(line, "tax_rates")]
    for rate in rates:
        _require(related, rate, "tax_rate", f"{where}[tax_rates]")
    return {
        "name": text_param(product, "name"),
        "description": product.get("description"),
        "currency": currency_param(price),
        "unit_amount": int_param(price, "unit_amount", lo=0),
        "quantity": int_param(line, "quantity", lo=1),
        "tax_rates": sorted(rates),
    }


def _one(lines: list[dict[str, Any]], key: str, message: str) -> Any:
    values = [line[key] for line in lines]
    if any(value != values[0] for value in values):
        raise SandboxError(f"The sandbox refuses this: {message}.", param="line_items")
    return values[0]


def _require(related: dict[str, dict[str, Any]], object_id: str, kind: str, param: str) -> None:
    found = related.get(object_id)
    if found is None or found["object"] != kind:
        raise SandboxError(
            f"No such {kind}: '{object_id}'", status=400, param=param, code="resource_missing"
        )


def _coupon(
    params: dict[str, Any], related: dict[str, dict[str, Any]], currency: str
) -> dict[str, Any] | None:
    discounts = _list(params, "discounts")
    if not discounts:
        return None
    if len(discounts) > 1 or not isinstance(discounts[0], dict):
        raise SandboxError("Only one discount per session is supported.", param="discounts")
    coupon_id = str(discounts[0].get("coupon"))
    _require(related, coupon_id, "coupon", "discounts[0][coupon]")
    found = related[coupon_id]
    if found["currency"] not in (None, currency):
        raise SandboxError("The coupon's currency is not the session's.", param="discounts")
    return found


def _totals(
    lines: list[dict[str, Any]],
    currency: str,
    coupon: dict[str, Any] | None,
    taxes: list[dict[str, Any]],
) -> OrderTotals:
    def major(minor: int) -> Decimal:
        return Decimal(minor).scaleb(-money.currency_exponent(currency))

    discount = None
    if coupon is not None and coupon["percent_off"] is not None:
        discount = DiscountSpec(percent_off=Decimal(str(coupon["percent_off"])))
    elif coupon is not None:
        discount = DiscountSpec(amount_off=major(coupon["amount_off"]))
    return order_totals(
        [PricedLine(major(line["unit_amount"]), line["quantity"]) for line in lines],
        currency.upper(),
        discount,
        [TaxSpec(Decimal(str(tax["percentage"])), bool(tax["inclusive"])) for tax in taxes],
    )


def _amounts(totals: OrderTotals, currency: str) -> dict[str, Any]:
    def minor(amount: Decimal) -> int:
        return money.to_minor_units(amount, currency)

    return {
        "amount_subtotal": minor(totals.subtotal),
        "amount_total": minor(totals.total),
        "total_details": {
            "amount_discount": minor(totals.discount_amount),
            "amount_tax": minor(totals.tax_amount),
            "amount_shipping": 0,
        },
    }
