"""Gateway refunds (DESIGN §4): never more than the payment, even under concurrency."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
import procrastinate
import structlog

from payserv.errors import BadRequestError, InsufficientRefundAmountError
from payserv.fields import isoformat, require_int, require_str
from payserv.gateway.events import emit_event
from payserv.gateway.orders import new_id
from payserv.gateway.payments import SUCCESS, get_payment, lock_payment
from payserv.gateway.rows import fetch_one, fetch_page, from_row
from payserv.gateway.tasks import defer_refund_processing
from payserv.listing import Listing, Page, PageRequest
from payserv.queries import query

log = structlog.get_logger(__name__)

# How long the simulated processor takes outside test mode (DESIGN §4), in seconds.
PROCESSING_SECONDS = (3.0, 5.0)
MAX_REASON_LENGTH = 255


@dataclass(frozen=True)
class Refund:
    """A row of ``gateway_refunds``."""

    id: str
    merchant_id: uuid.UUID
    payment_id: str
    amount: int
    reason: str | None
    status: str
    created_at: datetime
    processed_at: datetime | None

    def to_json(self) -> dict[str, Any]:
        """The public JSON (the seed's shape)."""
        return {
            "id": self.id,
            "payment_id": self.payment_id,
            "amount": self.amount,
            "reason": self.reason,
            "status": self.status,
            "created_at": isoformat(self.created_at),
            "processed_at": isoformat(self.processed_at),
        }


@dataclass(frozen=True)
class NewRefund:
    """A validated ``POST /api/v1/payments/{id}/refunds`` body."""

    amount: int
    reason: str | None


def parse_new_refund(body: dict[str, Any]) -> NewRefund:
    """An integer amount and an optional reason; the amount's range is checked on create."""
    # No minimum here: 0 < amount is the refund rule, INSUFFICIENT_REFUND_AMOUNT (DESIGN §4).
    amount = require_int(body, "amount", minimum=None)
    reason = require_str(body, "reason", max_length=MAX_REASON_LENGTH, required=False)
    return NewRefund(amount=amount, reason=reason)


async def create_refund(
    conn: asyncpg.Connection,
    queue: procrastinate.App,
    merchant_id: uuid.UUID,
    payment_id: str,
    new: NewRefund,
    process_in: float,
) -> Refund:
    """Insert a pending refund, its event and its job, due in ``process_in`` s (caller's tx)."""
    # The payment's row lock serializes refunds of one payment: the sum read below cannot
    # change before this transaction commits, so concurrent refunds never over-refund.
    payment = await lock_payment(conn, merchant_id, payment_id)
    if payment.status != SUCCESS:
        raise BadRequestError(f"only a successful payment can be refunded, not {payment.status}")
    refunded = await conn.fetchval(query("gateway_refunded_amount"), payment_id)
    available = payment.amount - refunded
    if not 0 < new.amount <= available:
        raise InsufficientRefundAmountError(
            f"refund amount must be between 1 and {available}, what is left to refund",
            field="amount",
        )
    row = await conn.fetchrow(
        query("gateway_insert_refund"),
        new_id("rfnd_"),
        merchant_id,
        payment_id,
        new.amount,
        new.reason,
    )
    refund = from_row(Refund, row)
    await emit_event(conn, merchant_id, "refund.created", {"refund": refund.to_json()})
    await defer_refund_processing(conn, queue, refund.id, delay=process_in)
    log.info("refund_created", refund_id=refund.id, payment_id=payment_id, amount=new.amount)
    return refund


async def process_refund(conn: asyncpg.Connection, refund_id: str) -> Refund | None:
    """Mark a pending refund processed (caller's transaction); None if already done."""
    row = await conn.fetchrow(query("gateway_process_refund"), refund_id)
    if row is None:
        return None
    refund = from_row(Refund, row)
    await emit_event(conn, refund.merchant_id, "refund.processed", {"refund": refund.to_json()})
    log.info("refund_processed", refund_id=refund_id)
    return refund


async def get_refund(conn: asyncpg.Connection, merchant_id: uuid.UUID, refund_id: str) -> Refund:
    """The merchant's refund, or 404 (also for another merchant's)."""
    return await fetch_one(
        conn, Refund, "gateway_refund_by_id", refund_id, merchant_id, missing="refund not found"
    )


REFUNDS = Listing("gateway_list_refunds", "gateway_refund_cursor", "gateway_refunds")


async def list_refunds(
    conn: asyncpg.Connection, merchant_id: uuid.UUID, payment_id: str, asked: PageRequest
) -> Page[Refund]:
    """One page of a payment's refunds, newest first, and their total (404: not the merchant's)."""
    await get_payment(conn, merchant_id, payment_id)
    return await fetch_page(conn, Refund, REFUNDS, asked, payment_id, merchant_id, owner=payment_id)
