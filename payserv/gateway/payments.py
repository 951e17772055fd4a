"""Gateway payments (DESIGN §4): creation, settlement by the processing job, capture.

Lock order, everywhere: the order row, then the payment row. Creation holds the order's
lock while it checks "not paid yet"; settlement holds it while it decides, so at most one
payment of an order ever succeeds (each one statement: payserv/sql/gateway.sql).
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg
import procrastinate
import structlog

from payserv.errors import BadRequestError, NotFoundError
from payserv.fields import isoformat, require_int, require_str
from payserv.gateway.events import emit_event, emit_events
from payserv.gateway.instruments import card_digits, validate_card, validate_vpa
from payserv.gateway.orders import new_id
from payserv.gateway.rows import fetch_one, fetch_page, from_row
from payserv.gateway.tasks import defer_payment_processing
from payserv.listing import Listing, Page, PageRequest
from payserv.queries import query
from payserv.settings import Settings

log = structlog.get_logger(__name__)

# How long the simulated processor takes outside test mode (DESIGN §4), in seconds.
PROCESSING_SECONDS = (5.0, 10.0)
PENDING, SUCCESS, FAILED = "pending", "success", "failed"
PAYMENT_FAILED = "PAYMENT_FAILED"
_MISSING = "payment not found"

# Test instruments (DESIGN §4): in test mode they decide the outcome, whatever
# TEST_PAYMENT_SUCCESS says. The card is matched before anything but network and
# last four digits is dropped.
SUCCESS_VPA = "success@razorpay"
FAILURE_VPA = "failure@razorpay"
FAILURE_CARD = "4000000000000002"


@dataclass(frozen=True)
class Payment:
    """A row of ``gateway_payments``."""

    id: str
    merchant_id: uuid.UUID
    order_id: str
    amount: int
    currency: str
    method: str
    vpa: str | None
    card_network: str | None
    card_last4: str | None
    status: str
    forced_outcome: str | None
    captured: bool
    error_code: str | None
    error_description: str | None
    created_at: datetime
    updated_at: datetime

    def to_json(self) -> dict[str, Any]:
        """The public JSON (the seed's shape, plus card details and the failure reason)."""
        body: dict[str, Any] = {
            "id": self.id,
            "order_id": self.order_id,
            "amount": self.amount,
            "currency": self.currency,
            "method": self.method,
        }
        if self.method == "upi":
            body["vpa"] = self.vpa
        else:
            body["card_network"] = self.card_network
            body["card_last4"] = self.card_last4
        body.update(
            status=self.status,
            captured=self.captured,
            error_code=self.error_code,
            error_description=self.error_description,
            created_at=isoformat(self.created_at),
            updated_at=isoformat(self.updated_at),
        )
        return body


@dataclass(frozen=True)
class NewPayment:
    """A validated ``POST /api/v1/payments`` body: never the card number or the CVV."""

    order_id: str
    method: str
    vpa: str | None = None
    card_network: str | None = None
    card_last4: str | None = None
    forced_outcome: str | None = None


def parse_new_payment(body: dict[str, Any], *, test_mode: bool) -> NewPayment:
    """Validate a payment body; INVALID_VPA / INVALID_CARD / EXPIRED_CARD as DESIGN says."""
    order_id = require_str(body, "order_id", max_length=64)
    method = body.get("method")
    if method == "upi":
        vpa = validate_vpa(body.get("vpa"))
        forced = {SUCCESS_VPA: SUCCESS, FAILURE_VPA: FAILED}.get(vpa) if test_mode else None
        return NewPayment(order_id, "upi", vpa=vpa, forced_outcome=forced)
    if method == "card":
        card = validate_card(body.get("card"), today=datetime.now(UTC).date())
        forced = (
            FAILED if test_mode and card_digits(body["card"]["number"]) == FAILURE_CARD else None
        )
        return NewPayment(
            order_id,
            "card",
            card_network=card.network,
            card_last4=card.last4,
            forced_outcome=forced,
        )
    raise BadRequestError('method must be "upi" or "card"', field="method")


def processing_delay(settings: Settings, low: float, high: float) -> float:
    """Seconds a payment or refund takes: ``TEST_PROCESSING_DELAY`` in test mode."""
    if settings.test_mode:
        return settings.test_processing_delay_ms / 1000
    return low + (high - low) * secrets.randbelow(1001) / 1000


def processor_verdict(settings: Settings, method: str) -> bool:
    """The simulated processor: 90 % (upi) / 95 % (card), or ``TEST_PAYMENT_SUCCESS``."""
    if settings.test_mode and settings.test_payment_success is not None:
        return settings.test_payment_success
    return secrets.randbelow(100) < (90 if method == "upi" else 95)


async def create_payment(
    conn: asyncpg.Connection,
    queue: procrastinate.App,
    merchant_id: uuid.UUID,
    new: NewPayment,
    process_in: float,
) -> Payment:
    """Insert a pending payment, its events and its processing job (caller's transaction).

    The job is scheduled ``process_in`` seconds ahead (the processor's latency) instead of
    sleeping in a worker slot.
    """
    row = await conn.fetchrow(
        query("gateway_create_payment"),
        new_id("pay_"),
        merchant_id,
        new.order_id,
        new.method,
        new.vpa,
        new.card_network,
        new.card_last4,
        new.forced_outcome,
    )
    if row is None:
        raise NotFoundError("order not found", field="order_id")
    if row["id"] is None:
        raise BadRequestError("order is already paid", field="order_id")
    payment = from_row(Payment, row)
    announced = ("payment.created", "payment.pending")
    await emit_events(conn, merchant_id, announced, {"payment": payment.to_json()})
    await defer_payment_processing(conn, queue, payment.id, delay=process_in)
    log.info("payment_created", payment_id=payment.id, order_id=payment.order_id, method=new.method)
    return payment


async def settle_payment(
    conn: asyncpg.Connection, payment_id: str, *, upi_succeeds: bool, card_succeeds: bool
) -> Payment | None:
    """Settle the payment if still pending (caller's transaction); None if already settled.

    The processor's verdict for the payment's method decides, unless a test instrument or
    an order that is already paid overrides it.
    """
    row = await conn.fetchrow(
        query("gateway_settle_payment"),
        payment_id,
        upi_succeeds,
        card_succeeds,
        PAYMENT_FAILED,
        "payment was declined",
        "order already paid",
    )
    if row is None:
        return None
    settled = from_row(Payment, row)
    event = "payment.success" if settled.status == SUCCESS else "payment.failed"
    await emit_event(conn, settled.merchant_id, event, {"payment": settled.to_json()})
    log.info("payment_settled", payment_id=payment_id, status=settled.status)
    return settled


async def get_payment(conn: asyncpg.Connection, merchant_id: uuid.UUID, payment_id: str) -> Payment:
    """The merchant's payment, or 404 (also for another merchant's)."""
    return await fetch_one(
        conn, Payment, "gateway_payment_by_id", payment_id, merchant_id, missing=_MISSING
    )


async def lock_payment(
    conn: asyncpg.Connection, merchant_id: uuid.UUID, payment_id: str
) -> Payment:
    """Like :func:`get_payment`, holding the row lock until the transaction ends."""
    return await fetch_one(
        conn, Payment, "gateway_lock_payment", payment_id, merchant_id, missing=_MISSING
    )


async def capture_payment(
    conn: asyncpg.Connection, merchant_id: uuid.UUID, payment_id: str, body: dict[str, Any]
) -> Payment:
    """Capture a successful payment once, for exactly its amount (caller's transaction)."""
    amount = require_int(body, "amount", minimum=1)
    payment = await lock_payment(conn, merchant_id, payment_id)
    if payment.status != SUCCESS:
        raise BadRequestError(f"only a successful payment can be captured, not {payment.status}")
    if payment.captured:
        raise BadRequestError("payment is already captured")
    if amount != payment.amount:
        raise BadRequestError(
            f"amount must equal the payment amount ({payment.amount})", field="amount"
        )
    captured = from_row(Payment, await conn.fetchrow(query("gateway_capture_payment"), payment_id))
    log.info("payment_captured", payment_id=payment_id)
    return captured


PAYMENTS = Listing("gateway_list_payments", "gateway_payment_cursor", "gateway_payments")


async def list_payments(
    conn: asyncpg.Connection, merchant_id: uuid.UUID, asked: PageRequest
) -> Page[Payment]:
    """One page of the merchant's payments, newest first, and their total."""
    return await fetch_page(conn, Payment, PAYMENTS, asked, merchant_id, owner=str(merchant_id))
