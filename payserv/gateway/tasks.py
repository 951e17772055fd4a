"""The gateway's job names and typed deferrers (names are stored in procrastinate_jobs)."""

from __future__ import annotations

import uuid

import asyncpg
import procrastinate

from payserv.queue import defer_at

PROCESS_PAYMENT = "gateway.process_payment"
PROCESS_REFUND = "gateway.process_refund"
DELIVER_WEBHOOK = "gateway.deliver_webhook"
# Periodic, so nothing defers it: the queue's cron does.
PURGE_IDEMPOTENCY_KEYS = "gateway.delete_expired_idempotency_keys"

# Settlement before announcements: a worker takes due jobs by priority, so under load
# settling a payment and announcing a final state never wait behind the queue of
# payment.created / payment.pending deliveries of earlier payments.
SETTLEMENT_PRIORITY = 20
FINAL_EVENT_PRIORITY = 10
ANNOUNCEMENT_PRIORITY = 0
FINAL_EVENTS = frozenset({"payment.success", "payment.failed", "refund.processed"})


def delivery_priority(event: str) -> int:
    """The queue priority of a delivery of ``event``: final states first."""
    return FINAL_EVENT_PRIORITY if event in FINAL_EVENTS else ANNOUNCEMENT_PRIORITY


async def defer_payment_processing(
    conn: asyncpg.Connection, queue: procrastinate.App, payment_id: str, *, delay: float
) -> None:
    """Settle the payment ``delay`` seconds from now, if the caller's transaction commits."""
    await defer_at(
        conn,
        queue,
        PROCESS_PAYMENT,
        schedule_in=delay,
        priority=SETTLEMENT_PRIORITY,
        payment_id=payment_id,
    )


async def defer_refund_processing(
    conn: asyncpg.Connection, queue: procrastinate.App, refund_id: str, *, delay: float
) -> None:
    """Process the refund ``delay`` seconds from now, if the caller's transaction commits."""
    await defer_at(
        conn,
        queue,
        PROCESS_REFUND,
        schedule_in=delay,
        priority=SETTLEMENT_PRIORITY,
        refund_id=refund_id,
    )


async def defer_webhook_delivery(
    conn: asyncpg.Connection,
    queue: procrastinate.App,
    delivery_id: uuid.UUID | str,
    *,
    event: str,
    generation: int,
    attempt: int,
    delay: float = 0.0,
) -> None:
    """Make ``attempt`` of the delivery ``delay`` seconds from now (commits with the caller)."""
    await defer_at(
        conn,
        queue,
        DELIVER_WEBHOOK,
        schedule_in=delay,
        priority=delivery_priority(event),
        delivery_id=str(delivery_id),
        generation=generation,
        attempt=attempt,
    )
