"""The gateway's job names and typed deferrers (names are stored in procrastinate_jobs)."""

from __future__ import annotations

import asyncpg
import procrastinate

from payserv.queue import defer_at

PROCESS_PAYMENT = "gateway.process_payment"
PROCESS_REFUND = "gateway.process_refund"
# Queued by payserv versions before the outbox (one job per delivery attempt); nothing
# defers it now, but a worker still runs those already queued (payserv/jobs/gateway.py).
DELIVER_WEBHOOK = "gateway.deliver_webhook"
# Periodic, so nothing defers it: the queue's cron does.
PURGE_IDEMPOTENCY_KEYS = "gateway.delete_expired_idempotency_keys"
PURGE_DASHBOARD_SESSIONS = "gateway.delete_expired_dashboard_sessions"

# Settlement first: a worker takes due jobs by priority, so under load settling a payment
# (which also sends its final-state webhook) never waits behind other parts' jobs. Webhook
# announcements are no jobs at all: the outbox delivers them (payserv/gateway/outbox.py).
SETTLEMENT_PRIORITY = 20


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
