"""The shop's view of money: request parsing and order totals (payserv.money, shop.pricing)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from payserv import money
from payserv.errors import BadRequestError
from payserv.shop.pricing import (
    DiscountSpec,
    OrderTotals,
    PricedLine,
    TaxSpec,
    compute_order_totals,
)

if TYPE_CHECKING:
    from payserv.shop.orders import Order

MAX_MINOR_UNITS = 10**12
# Decimals the columns hold: shop_discounts.percent_off numeric(5, 2), shop_taxes.percentage
# numeric(7, 4). More would be rounded by Postgres (99.999 % off becoming a free order).
PERCENT_OFF_PLACES = 2
TAX_PERCENTAGE_PLACES = 4


def quantize(amount: Decimal, currency: str) -> Decimal:
    """``amount`` rounded half-up to the currency's minor unit."""
    return money.quantize(amount, currency)


def to_minor(amount: Decimal, currency: str) -> int:
    """Minor units Stripe expects (``12.50 USD`` → 1250, ``1500 JPY`` → 1500)."""
    return money.to_minor_units(amount, currency)


def parse_currency(body: Mapping[str, Any], field: str) -> str:
    """A three-letter ISO 4217 code, upper-cased."""
    return money.validate_currency(body.get(field), field=field)


def parse_money(body: Mapping[str, Any], field: str, currency: str) -> Decimal:
    """A positive amount with at most the currency's decimals, ≤ 10^12 minor units."""
    value = body.get(field)
    if value is None:
        raise BadRequestError(f"{field} is required", field=field)
    places = money.currency_exponent(currency)
    amount = money.parse_decimal_amount(value, field=field, max_places=places)
    if to_minor(amount, currency) > MAX_MINOR_UNITS or amount >= money.MAX_AMOUNT:
        raise BadRequestError(f"{field} is too large", field=field)
    return quantize(amount, currency)


def parse_percentage(
    body: Mapping[str, Any], field: str, *, allow_zero: bool, max_places: int
) -> Decimal:
    """A percentage in [0 or above 0, 100] with at most ``max_places`` decimals, never rounded."""
    value = body.get(field)
    if value is None:
        raise BadRequestError(f"{field} is required", field=field)
    number = money.to_decimal(value, field)
    low_ok = number >= 0 if allow_zero else number > 0
    if not low_ok or number > 100:
        bound = "from 0" if allow_zero else "greater than 0 and at most"
        raise BadRequestError(f"{field} must be {bound} to 100", field=field)
    return money.check_places(number, field, max_places)


def order_totals(order: Order) -> OrderTotals:
    """The one computation (payserv.shop.pricing) behind the JSON, Checkout and PaymentIntent."""
    discount = None
    if order.discount is not None:
        discount = DiscountSpec(order.discount.percent_off, order.discount.amount_off)
    return compute_order_totals(
        [PricedLine(line.unit_price, line.quantity) for line in order.lines],
        order.currency,
        discount,
        [TaxSpec(tax.percentage, tax.inclusive) for tax in order.taxes],
    )
