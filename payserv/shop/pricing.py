"""Order totals for the shop (DESIGN §7): pure Decimal arithmetic, no I/O.

total = subtotal − discount + exclusive taxes, the taxes taken on the discounted amount,
each step rounded half-up to the currency's minor unit (``payserv.money.quantize``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from payserv.money import quantize

_HUNDRED = Decimal(100)


@dataclass(frozen=True)
class PricedLine:
    """One order line: the item's price when ordered, times a quantity."""

    unit_price: Decimal
    quantity: int

    def __post_init__(self) -> None:
        # Client input is validated by the handlers; these guard the arithmetic's invariants.
        if self.unit_price < 0:
            raise ValueError("unit_price must not be negative")
        if isinstance(self.quantity, bool) or self.quantity < 1:
            raise ValueError("quantity must be a positive integer")


@dataclass(frozen=True)
class DiscountSpec:
    """Exactly one of ``percent_off`` (0–100) or ``amount_off`` (in currency units)."""

    percent_off: Decimal | None = None
    amount_off: Decimal | None = None

    def __post_init__(self) -> None:
        if (self.percent_off is None) == (self.amount_off is None):
            raise ValueError("a discount has exactly one of percent_off and amount_off")
        if self.percent_off is not None and not 0 <= self.percent_off <= _HUNDRED:
            raise ValueError("percent_off must be from 0 to 100")
        if self.amount_off is not None and self.amount_off < 0:
            raise ValueError("amount_off must not be negative")


@dataclass(frozen=True)
class TaxSpec:
    """A tax rate in percent; ``inclusive`` means it is already inside the prices."""

    percentage: Decimal
    inclusive: bool

    def __post_init__(self) -> None:
        if not 0 <= self.percentage <= _HUNDRED:
            raise ValueError("percentage must be from 0 to 100")


@dataclass(frozen=True)
class OrderTotals:
    """The order's figures, each quantized to the currency (``total`` is what is charged).

    ``tax_amount`` is only the exclusive tax added on top; inclusive taxes are part of
    ``subtotal`` already and are not reported separately.
    """

    subtotal: Decimal
    discount_amount: Decimal
    tax_amount: Decimal
    total: Decimal


def discount_amount(subtotal: Decimal, discount: DiscountSpec | None, currency: str) -> Decimal:
    """The discount on ``subtotal``: a rounded percentage, or ``amount_off`` capped at it."""
    if discount is None:
        return quantize(Decimal(0), currency)
    if discount.percent_off is not None:
        return quantize(subtotal * discount.percent_off / _HUNDRED, currency)
    if discount.amount_off is not None:
        # Never below zero: a 20.00 coupon on a 15.00 order makes it free, not negative.
        return quantize(min(discount.amount_off, subtotal), currency)
    raise ValueError("a discount has exactly one of percent_off and amount_off")


def exclusive_tax(base: Decimal, taxes: Sequence[TaxSpec], currency: str) -> Decimal:
    """Sum of the exclusive taxes on ``base``, each rounded on its own (no tax on tax)."""
    total = quantize(Decimal(0), currency)
    for tax in taxes:
        if not tax.inclusive:
            total += quantize(base * tax.percentage / _HUNDRED, currency)
    return total


def compute_order_totals(
    lines: Sequence[PricedLine],
    currency: str,
    discount: DiscountSpec | None = None,
    taxes: Sequence[TaxSpec] = (),
) -> OrderTotals:
    """Subtotal, discount, exclusive tax and total of an order, rounded half-up per step.

    The order-level figure payserv shows and charges: a PaymentIntent is created for
    exactly ``to_minor_units(total)``. A Checkout Session sends Stripe the lines (in minor
    units), the coupon and the tax rates instead, and Stripe works out the amount itself:
    it spreads the coupon over the lines and rounds each line's discount and exclusive tax
    on its own. For a single line that is the same sequence of steps; with several lines
    the per-line rounding can make Stripe's total differ by a minor unit per line and rate.
    """
    subtotal = quantize(
        sum((line.unit_price * line.quantity for line in lines), Decimal(0)), currency
    )
    discount_value = discount_amount(subtotal, discount, currency)
    # Inclusive taxes are already inside the prices, so only exclusive ones add to the total.
    tax_value = exclusive_tax(subtotal - discount_value, taxes, currency)
    return OrderTotals(
        subtotal=subtotal,
        discount_amount=discount_value,
        tax_amount=tax_value,
        total=subtotal - discount_value + tax_value,
    )
