"""The status-check job: full-jitter exponential backoff, 10 retries (DESIGN §6)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import structlog
from procrastinate import BaseRetryStrategy, RetryDecision
from procrastinate.jobs import Job

from payserv.database import is_connection_loss, pooled_connection
from payserv.errors import PayservError
from payserv.polling import payments, tasks
from payserv.polling.backoff import MAX_STATUS_CHECK_RETRIES, full_jitter_delay
from payserv.polling.client import FinalStatusError, RetryableStatusError, fetch_status
from payserv.queue import JobDeps, JobSpec
from payserv.settings import Settings

log = structlog.get_logger(__name__)

# A run cut short by a database outage is retried this soon: recording the retry waits
# for the database anyway, so the check runs again right after it is back.
OUTAGE_RETRY_SECONDS = 1.0
# Outage retries are not bounded by the schedule; this only stops a job whose "outage"
# never ends (the worker itself cannot fetch jobs while the database is really down).
MAX_RUNS = 100


class StatusCheckFailed(PayservError):
    """A status call answered irregularly; ``retry`` (0-based) is the retry it calls for."""

    def __init__(self, retry: int, error: str) -> None:
        super().__init__(error)
        self.retry = retry


class FullJitterRetry(BaseRetryStrategy):
    """Retry k (0-based) after U[0, min(64, 2**k)) s × STATUS_POLL_TIME_SCALE, 10 times.

    k counts recorded status calls, not job runs: a run cut short by a database outage
    made no check (DESIGN §6), so it is retried without using up the schedule.
    """

    def __init__(self, scale: float) -> None:
        self.scale = scale

    def get_retry_decision(self, *, exception: BaseException, job: Job) -> RetryDecision | None:
        if isinstance(exception, StatusCheckFailed):
            if exception.retry >= MAX_STATUS_CHECK_RETRIES:
                return None
            delay = full_jitter_delay(exception.retry, scale=self.scale)
            log.info("status_check_retry_scheduled", retry=exception.retry, delay_seconds=delay)
            return RetryDecision(retry_at=_in_seconds(delay))
        # job.attempts counts the runs already finished before this one failed.
        if is_connection_loss(exception) and job.attempts + 1 < MAX_RUNS:
            log.warning("status_check_outage_retry", error=str(exception))
            return RetryDecision(retry_at=_in_seconds(OUTAGE_RETRY_SECONDS))
        return None


def _in_seconds(seconds: float) -> datetime:
    return datetime.now(UTC) + timedelta(seconds=seconds)


async def check_payment_status(deps: JobDeps, payment_id: str) -> None:
    """Ask the status API once; settle, give up on a 4xx, or raise to be retried."""
    payment_uuid = uuid.UUID(payment_id)
    async with pooled_connection(deps.pool) as conn:
        retry = await payments.pending_checks(conn, payment_uuid)
    if retry is None:
        return  # already settled (or gone): a second run changes nothing
    # No connection is held during the outside call.
    try:
        final = await fetch_status(deps.http, deps.settings, payment_id)
    except (RetryableStatusError, FinalStatusError) as exc:
        # A database outage here raises before anything is counted: no check result.
        async with pooled_connection(deps.pool) as conn:
            await payments.record_check_error(conn, payment_uuid, str(exc))
        if isinstance(exc, FinalStatusError):
            log.warning("payment_status_check_refused", payment_id=payment_id, error=str(exc))
            return
        if retry >= MAX_STATUS_CHECK_RETRIES:
            log.error("payment_status_check_exhausted", payment_id=payment_id, error=str(exc))
        raise StatusCheckFailed(retry, str(exc)) from exc
    async with pooled_connection(deps.pool) as conn:
        await payments.settle(conn, payment_uuid, final)
    log.info("payment_settled", payment_id=payment_id, payment_status=final)


def _retry(settings: Settings) -> FullJitterRetry:
    return FullJitterRetry(settings.status_poll_time_scale)


JOBS = [JobSpec(name=tasks.CHECK_PAYMENT_STATUS, function=check_payment_status, retry=_retry)]
