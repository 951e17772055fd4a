"""What the hosted checkout may see without credentials (DESIGN §4a).

The unguessable order id (16 CSPRNG characters) is the capability: whoever holds it may
see the order's amount and pay it. The payment's public view leaves out the VPA and the
card details; the order's leaves out receipt and notes.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import asyncpg

from payserv.fields import isoformat
from payserv.gateway.payments import Payment
from payserv.gateway.rows import fetch_one
from payserv.money import currency_exponent

# Symbols the checkout shows before the amount; other currencies are shown by their code.
_SYMBOLS = {"INR": "₹", "USD": "$", "EUR": "€", "GBP": "£"}


@dataclass(frozen=True)
class PublicOrder:
    """An order as its checkout page sees it."""

    id: str
    merchant_id: uuid.UUID
    amount: int
    currency: str
    status: str
    # The merchant's email: merchants have no display name (DESIGN §3).
    merchant_name: str
    paid_payment_id: str | None

    def to_json(self) -> dict[str, Any]:
        """``GET /api/v1/orders/{id}/public``."""
        return {
            "id": self.id,
            "amount": self.amount,
            "currency": self.currency,
            "status": self.status,
            "merchant_name": self.merchant_name,
        }


async def get_public_order(conn: asyncpg.Connection, order_id: str) -> PublicOrder:
    """Any merchant's order by its id, or 404."""
    return await fetch_one(
        conn, PublicOrder, "gateway_public_order", order_id, missing="order not found"
    )


async def order_merchant_id(conn: asyncpg.Connection, order_id: str) -> uuid.UUID:
    """Whose order this is: a public payment is made (and its key kept) as that merchant."""
    order = await fetch_one(
        conn,
        PublicOrder,
        "gateway_public_order",
        order_id,
        missing="order not found",
        field="order_id",
    )
    return order.merchant_id


async def get_public_payment(conn: asyncpg.Connection, payment_id: str) -> dict[str, Any]:
    """``GET /api/v1/payments/{id}/public``: any merchant's payment without VPA or card data."""
    payment = await fetch_one(
        conn, Payment, "gateway_public_payment", payment_id, missing="payment not found"
    )
    return {
        "id": payment.id,
        "order_id": payment.order_id,
        "amount": payment.amount,
        "currency": payment.currency,
        "method": payment.method,
        "status": payment.status,
        "error_code": payment.error_code,
        "error_description": payment.error_description,
        "created_at": isoformat(payment.created_at),
    }


def display_amount(amount: int, currency: str) -> str:
    """Minor units as the checkout shows them: ``50000 INR`` → ``₹500.00``."""
    places = currency_exponent(currency)
    number = f"{Decimal(amount).scaleb(-places):,.{places}f}"
    symbol = _SYMBOLS.get(currency)
    return f"{symbol}{number}" if symbol else f"{currency} {number}"
