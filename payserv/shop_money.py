"""The shop's view of money: request parsing and order totals over payserv.money/shop_pricing."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from payserv import money
from payserv.errors import BadRequestError
from payserv.shop_pricing import (
    DiscountSpec,
    OrderTotals,
    PricedLine,
    TaxSpec,
    compute_order_totals,
)

if TYPE_CHECKING:
    from payserv.shop_orders import Order

MAX_MINOR_UNITS = 10**12
_MAX_PERCENT_INPUT = Decimal(10) ** 6


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


def _decimal(body: Mapping[str, Any], field: str) -> Decimal:
    value = body.get(field)
    if value is None:
        raise BadRequestError(f"{field} is required", field=field)
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise BadRequestError(f"{field} must be a number or a decimal string", field=field)
    try:
        number = Decimal(repr(value) if isinstance(value, float) else str(value).strip())
    except InvalidOperation:
        raise BadRequestError(
            f"{field} must be a number or a decimal string", field=field
        ) from None
    if not number.is_finite() or abs(number) >= _MAX_PERCENT_INPUT:
        raise BadRequestError(f"{field} must be a finite number", field=field)
    return number


def parse_percentage(body: Mapping[str, Any], field: str, *, allow_zero: bool) -> Decimal:
    """A percentage in (0 or above, 100] with at most 4 decimals."""
    number = _decimal(body, field)
    low_ok = number >= 0 if allow_zero else number > 0
    if not low_ok or number > 100:
        bound = "from 0" if allow_zero else "greater than 0 and at most"
        raise BadRequestError(f"{field} must be {bound} to 100", field=field)
    if number != number.quantize(Decimal("0.0001")):
        raise BadRequestError(f"{field} must have at most 4 decimal places", field=field)
    return number


def order_totals(order: Order) -> OrderTotals:
    """The one computation (payserv.shop_pricing) behind the JSON, Checkout and PaymentIntent."""
    discount = None
    if order.discount is not None:
        discount = DiscountSpec(order.discount.percent_off, order.discount.amount_off)
    return compute_order_totals(
        [PricedLine(line.unit_price, line.quantity) for line in order.lines],
        order.currency,
        discount,
        [TaxSpec(tax.percentage, tax.inclusive) for tax in order.taxes],
    )
