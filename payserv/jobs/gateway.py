"""Gateway jobs: settle a payment, process a refund, purge old keys and dashboard sessions.

Settling and processing hand their final-state webhook to the process's outbox right after
their transaction commits (DESIGN §4): one queued job per payment, none per delivery, and
no worker slot waits for a merchant's server.
"""

from __future__ import annotations

import uuid

import structlog

from payserv.database import pooled_connection
from payserv.gateway import idempotency, outbox, payments, refunds, sessions, tasks, webhooks
from payserv.gateway.events import Made, collecting_deliveries
from payserv.queue import JobDeps, JobSpec, retry_through_outages

log = structlog.get_logger(__name__)


async def process_payment_job(deps: JobDeps, payment_id: str) -> None:
    """Settle the payment; a second run (retry, stalled job) finds it settled and stops."""
    upi_succeeds = payments.processor_verdict(deps.settings, "upi")
    card_succeeds = payments.processor_verdict(deps.settings, "card")
    with collecting_deliveries() as made:
        async with pooled_connection(deps.pool) as conn, conn.transaction():
            await payments.settle_payment(
                conn, payment_id, upi_succeeds=upi_succeeds, card_succeeds=card_succeeds
            )
    await _send_committed(deps, made)


async def process_refund_job(deps: JobDeps, refund_id: str) -> None:
    """Mark the refund processed; idempotent like the payment job."""
    with collecting_deliveries() as made:
        async with pooled_connection(deps.pool) as conn, conn.transaction():
            await refunds.process_refund(conn, refund_id)
    await _send_committed(deps, made)


async def _send_committed(deps: JobDeps, made: Made) -> None:
    """The deliveries a job committed: to the process's outbox, or attempted here without one."""
    if deps.hand_off is None:
        await outbox.attempt_made(deps, made)
    else:
        deps.hand_off(made)


async def deliver_webhook_job(
    deps: JobDeps, delivery_id: str, generation: int, attempt: int
) -> None:
    """A job an older payserv queued: its delivery is in the outbox; make it due now."""
    async with pooled_connection(deps.pool) as conn:
        await webhooks.make_due(conn, uuid.UUID(delivery_id))


async def purge_idempotency_keys_job(deps: JobDeps, timestamp: int) -> None:
    """Delete Idempotency-Keys older than their 24 h."""
    async with pooled_connection(deps.pool) as conn:
        await idempotency.delete_expired_keys(conn)


async def purge_dashboard_sessions_job(deps: JobDeps, timestamp: int) -> None:
    """Delete expired dashboard sessions (a login sweeps only its own merchant's)."""
    async with pooled_connection(deps.pool) as conn:
        purged = await sessions.purge_expired_sessions(conn)
    if purged:
        log.info("dashboard_sessions_purged", count=purged)


JOBS = [
    JobSpec(name=tasks.PROCESS_PAYMENT, function=process_payment_job, retry=retry_through_outages),
    JobSpec(name=tasks.PROCESS_REFUND, function=process_refund_job, retry=retry_through_outages),
    JobSpec(name=tasks.DELIVER_WEBHOOK, function=deliver_webhook_job, retry=retry_through_outages),
    JobSpec(
        name=tasks.PURGE_IDEMPOTENCY_KEYS,
        function=purge_idempotency_keys_job,
        cron=lambda settings: "*/10 * * * *",
    ),
    JobSpec(
        name=tasks.PURGE_DASHBOARD_SESSIONS,
        function=purge_dashboard_sessions_job,
        cron=lambda settings: "*/30 * * * *",
    ),
]
