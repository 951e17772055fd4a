"""Gateway jobs: settle a payment, process a refund, purge expired idempotency keys."""

from __future__ import annotations

from payserv.gateway_idempotency import delete_expired_keys
from payserv.gateway_payments import PROCESS_PAYMENT_JOB, processor_verdict, settle_payment
from payserv.gateway_refunds import PROCESS_REFUND_JOB, process_refund
from payserv.queries import query
from payserv.queue import JobDeps, JobSpec, retry_through_outages

PURGE_KEYS_JOB = "gateway.delete_expired_idempotency_keys"


async def process_payment_job(deps: JobDeps, payment_id: str) -> None:
    """Settle the payment; a second run (retry, stalled job) finds it settled and stops."""
    async with deps.pool.acquire() as conn:
        method = await conn.fetchval(query("gateway_payment_method"), payment_id)
        if method is None:
            return
        succeeds = processor_verdict(deps.settings, method)
        async with conn.transaction():
            await settle_payment(conn, deps.queue, payment_id, succeeds)


async def process_refund_job(deps: JobDeps, refund_id: str) -> None:
    """Mark the refund processed; idempotent like the payment job."""
    async with deps.pool.acquire() as conn, conn.transaction():
        await process_refund(conn, deps.queue, refund_id)


async def purge_idempotency_keys_job(deps: JobDeps, timestamp: int) -> None:
    """Delete Idempotency-Keys older than their 24 h."""
    async with deps.pool.acquire() as conn:
        await delete_expired_keys(conn)


JOBS = [
    JobSpec(name=PROCESS_PAYMENT_JOB, function=process_payment_job, retry=retry_through_outages),
    JobSpec(name=PROCESS_REFUND_JOB, function=process_refund_job, retry=retry_through_outages),
    JobSpec(
        name=PURGE_KEYS_JOB,
        function=purge_idempotency_keys_job,
        cron=lambda settings: "*/10 * * * *",
    ),
]
