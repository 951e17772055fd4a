"""The status-check job: full-jitter exponential backoff, 10 retries (DESIGN §6)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
import structlog
from procrastinate import BaseRetryStrategy, RetryDecision
from procrastinate.jobs import Job

from payserv.backoff import MAX_STATUS_CHECK_RETRIES, full_jitter_delay
from payserv.queries import query
from payserv.queue import JobDeps, JobSpec
from payserv.settings import Settings
from payserv.status_polling import FinalStatusError, RetryableStatusError, fetch_status

log = structlog.get_logger(__name__)

CHECK_PAYMENT_STATUS = "polling.check_payment_status"


class FullJitterRetry(BaseRetryStrategy):
    """Retry k (0-based) after U[0, min(64, 2**k)) s × STATUS_POLL_TIME_SCALE, 10 times."""

    def __init__(self, scale: float) -> None:
        self.scale = scale

    def get_retry_decision(self, *, exception: BaseException, job: Job) -> RetryDecision | None:
        # job.attempts counts the runs already finished before this one failed.
        if not isinstance(exception, RetryableStatusError):
            return None
        if job.attempts >= MAX_STATUS_CHECK_RETRIES:
            return None
        delay = full_jitter_delay(job.attempts, scale=self.scale)
        log.info("status_check_retry_scheduled", retry=job.attempts, delay_seconds=delay)
        return RetryDecision(retry_at=datetime.now(UTC) + timedelta(seconds=delay))


async def check_payment_status(deps: JobDeps, payment_id: str) -> None:
    """Ask the status API once; settle, give up on a 4xx, or raise to be retried."""
    async with deps.pool.acquire() as conn:
        status = await conn.fetchval(query("polling_payment_status"), uuid.UUID(payment_id))
    if status != "pending":
        return  # already settled (or gone): a second run changes nothing
    # No connection is held during the outside call.
    try:
        final = await fetch_status(deps.http, deps.settings, payment_id)
    except (RetryableStatusError, FinalStatusError) as exc:
        await _record_error(deps.pool, payment_id, str(exc))
        if isinstance(exc, FinalStatusError):
            log.warning("payment_status_check_refused", payment_id=payment_id, error=str(exc))
            return
        if deps.attempt >= MAX_STATUS_CHECK_RETRIES:
            log.error("payment_status_check_exhausted", payment_id=payment_id, error=str(exc))
        raise
    async with deps.pool.acquire() as conn:
        await conn.execute(query("polling_settle"), uuid.UUID(payment_id), final)
    log.info("payment_settled", payment_id=payment_id, payment_status=final)


async def _record_error(pool: asyncpg.Pool, payment_id: str, error: str) -> None:
    async with pool.acquire() as conn:
        await conn.execute(query("polling_record_check_error"), uuid.UUID(payment_id), error)


def _retry(settings: Settings) -> FullJitterRetry:
    return FullJitterRetry(settings.status_poll_time_scale)


JOBS = [JobSpec(name=CHECK_PAYMENT_STATUS, function=check_payment_status, retry=_retry)]
