"""Periodic reconciliation of AtomPay payments whose callback never came (DESIGN §8)."""

from __future__ import annotations

import asyncio

import structlog

from payserv.atompay import tasks
from payserv.atompay.client import AtomPayClient
from payserv.atompay.config import atompay_config, missing_variables
from payserv.atompay.payments import Payment, due_for_reconcile
from payserv.atompay.reconciliation import reconcile_payment
from payserv.database import is_connection_loss, pooled_connection
from payserv.queue import JobDeps, JobSpec, every_seconds_cron
from payserv.settings import Settings

log = structlog.get_logger(__name__)

BATCH_SIZE = 200  # payments looked at per run; the rest wait for the next run
CONCURRENCY = 5  # status calls in flight at once, to be gentle with AtomPay


async def reconcile_payments(deps: JobDeps, timestamp: int = 0) -> None:
    """Ask AtomPay's status API about each payment still initiated after the grace period."""
    if missing_variables(deps.settings):
        log.debug("atompay_reconcile_skipped", reason="not configured")
        return
    try:
        outcomes = await _reconcile_due(deps)
    except Exception as exc:
        if not is_connection_loss(exc):
            raise
        # An outage is expected (DESIGN §1), not a failed run: payments it kept from being
        # settled are still initiated, and the next run asks about them again.
        log.warning("atompay_reconcile_interrupted", error=str(exc))
        return
    if outcomes:
        counts = {outcome: outcomes.count(outcome) for outcome in set(outcomes)}
        log.info("atompay_reconcile_finished", checked=len(outcomes), **counts)


async def _reconcile_due(deps: JobDeps) -> list[str]:
    """Reconcile the due payments; every call has ended when this returns or raises."""
    client = AtomPayClient(deps.http, atompay_config(deps.settings))
    async with pooled_connection(deps.pool) as conn:
        due = await due_for_reconcile(conn, deps.settings.atompay_reconcile_after, BATCH_SIZE)
    limit = asyncio.Semaphore(CONCURRENCY)

    async def one(payment: Payment) -> str:
        async with limit:
            return await reconcile_payment(deps.pool, client, payment)

    # return_exceptions: one failure must not leave the other calls running on their own
    # after the job has ended.
    results = await asyncio.gather(*(one(payment) for payment in due), return_exceptions=True)
    failures = [result for result in results if isinstance(result, BaseException)]
    bugs = [failure for failure in failures if not is_connection_loss(failure)]
    if bugs or failures:
        raise (bugs or failures)[0]
    return [str(result) for result in results]


def _cron(settings: Settings) -> str:
    return every_seconds_cron(settings.atompay_reconcile_interval)


JOBS = [
    JobSpec(name=tasks.RECONCILE_PAYMENTS, function=reconcile_payments, cron=_cron),
]
