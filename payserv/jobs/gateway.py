"""Gateway jobs: settle a payment, process a refund, deliver a webhook, purge old keys."""

from __future__ import annotations

from payserv.gateway import delivery, idempotency, payments, refunds, tasks
from payserv.queue import JobDeps, JobSpec, retry_through_outages


async def process_payment_job(deps: JobDeps, payment_id: str) -> None:
    """Settle the payment; a second run (retry, stalled job) finds it settled and stops."""
    async with deps.pool.acquire() as conn:
        method = await payments.payment_method(conn, payment_id)
        if method is None:
            return
        succeeds = payments.processor_verdict(deps.settings, method)
        async with conn.transaction():
            await payments.settle_payment(conn, deps.queue, payment_id, succeeds)


async def process_refund_job(deps: JobDeps, refund_id: str) -> None:
    """Mark the refund processed; idempotent like the payment job."""
    async with deps.pool.acquire() as conn, conn.transaction():
        await refunds.process_refund(conn, deps.queue, refund_id)


async def deliver_webhook_job(
    deps: JobDeps, delivery_id: str, generation: int, attempt: int
) -> None:
    """One attempt of an outbound webhook delivery; a failed one schedules the next."""
    await delivery.deliver_webhook(deps, delivery_id, generation, attempt)


async def purge_idempotency_keys_job(deps: JobDeps, timestamp: int) -> None:
    """Delete Idempotency-Keys older than their 24 h."""
    async with deps.pool.acquire() as conn:
        await idempotency.delete_expired_keys(conn)


JOBS = [
    JobSpec(name=tasks.PROCESS_PAYMENT, function=process_payment_job, retry=retry_through_outages),
    JobSpec(name=tasks.PROCESS_REFUND, function=process_refund_job, retry=retry_through_outages),
    JobSpec(name=tasks.DELIVER_WEBHOOK, function=deliver_webhook_job, retry=retry_through_outages),
    JobSpec(
        name=tasks.PURGE_IDEMPOTENCY_KEYS,
        function=purge_idempotency_keys_job,
        cron=lambda settings: "*/10 * * * *",
    ),
]
