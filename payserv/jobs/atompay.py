"""Periodic reconciliation of AtomPay payments whose callback never came (DESIGN §8)."""

from __future__ import annotations

import asyncio

import structlog

from payserv.atompay import reconcile_payment
from payserv.atompay_config import atompay_config, missing_variables
from payserv.atompay_payments import due_for_reconcile
from payserv.queue import JobDeps, JobSpec
from payserv.settings import Settings

log = structlog.get_logger(__name__)

BATCH_SIZE = 200  # payments looked at per run; the rest wait for the next run
CONCURRENCY = 5  # status calls in flight at once, to be gentle with AtomPay


async def reconcile_payments(deps: JobDeps, timestamp: int = 0) -> None:
    """Ask AtomPay's status API about each payment still initiated after the grace period."""
    if missing_variables(deps.settings):
        log.debug("atompay_reconcile_skipped", reason="not configured")
        return
    config = atompay_config(deps.settings)
    async with deps.pool.acquire() as conn:
        due = await due_for_reconcile(conn, deps.settings.atompay_reconcile_after, BATCH_SIZE)
    if not due:
        return
    limit = asyncio.Semaphore(CONCURRENCY)

    async def one(payment_index: int) -> str:
        async with limit:
            return await reconcile_payment(deps.pool, deps.http, config, due[payment_index])

    outcomes = await asyncio.gather(*(one(index) for index in range(len(due))))
    counts = {outcome: outcomes.count(outcome) for outcome in set(outcomes)}
    log.info("atompay_reconcile_finished", checked=len(due), **counts)


def interval_cron(seconds: int) -> str:
    """A six-field cron (croniter: seconds last) firing about every ``seconds``."""
    if seconds < 60:
        return f"* * * * * */{max(1, seconds)}"
    if seconds < 3600:
        return f"*/{seconds // 60} * * * * 0"
    return f"0 */{min(23, seconds // 3600)} * * * 0"


def _cron(settings: Settings) -> str:
    return interval_cron(settings.atompay_reconcile_interval)


JOBS = [
    JobSpec(name="atompay.reconcile_payments", function=reconcile_payments, cron=_cron),
]
