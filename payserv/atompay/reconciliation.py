"""Settling AtomPay payments whose callback never came, from the status API (DESIGN §8).

Every function owns its short transactions and never holds a database connection
while AtomPay is being called.
"""

from __future__ import annotations

from datetime import UTC, datetime

import asyncpg
import structlog

from payserv.atompay import client, payments
from payserv.atompay.client import (
    SUCCESS_CODE,
    AtomPayCallError,
    AtomPayClient,
    StatusReport,
    is_final_failure,
)
from payserv.atompay.payments import Payment

log = structlog.get_logger(__name__)


async def reconcile_payment(pool: asyncpg.Pool, atompay: AtomPayClient, payment: Payment) -> str:
    """Settle one initiated payment from AtomPay's status API; returns what happened."""
    if payment.atom_token_id is None:
        return await _expire_tokenless(pool, payment)
    try:
        report = await atompay.query_status(payment)
    except AtomPayCallError as exc:
        log.warning(
            "atompay_status_check_failed", merch_txn_id=payment.merch_txn_id, error=str(exc)
        )
        await _note_check_error(pool, payment, str(exc))
        return "error"
    status, problem = _status_outcome(report, payment)
    if status is None:
        await _note_check_error(pool, payment, problem)
        return "pending"
    async with pool.acquire() as conn:
        settled = await payments.settle(conn, payment.merch_txn_id, status, report)
    log.info(
        "atompay_payment_reconciled",
        merch_txn_id=payment.merch_txn_id,
        status=status,
        settled=settled,
        status_code=report.status_code,
    )
    return status if settled else "already_settled"


def _status_outcome(report: StatusReport, payment: Payment) -> tuple[str | None, str]:
    """The status to settle on (None: leave it) and, when leaving it, why."""
    if report.status_code == SUCCESS_CODE:
        if report.amount_matches(payment.amount):
            return payments.SUCCESS, ""
        log.error("atompay_status_amount_mismatch", merch_txn_id=payment.merch_txn_id)
        return None, "AtomPay reports success for another amount"
    if is_final_failure(report.status_code):
        return payments.FAILED, ""
    return None, f"AtomPay status {report.status_code}"


async def _note_check_error(pool: asyncpg.Pool, payment: Payment, error: str) -> None:
    async with pool.acquire() as conn:
        await payments.note_check_error(conn, payment.merch_txn_id, error)


async def _expire_tokenless(pool: asyncpg.Pool, payment: Payment) -> str:
    """A row AtomPay never gave a token (the process died mid-AUTH) cannot be paid.

    It is closed as ``failed_to_initiate`` once the AUTH call would surely have ended,
    instead of being asked about forever.
    """
    age = (datetime.now(UTC) - payment.created_at).total_seconds()
    # Read at call time (module attribute): tests shorten the timeout.
    if age < 2 * client.REQUEST_TIMEOUT_SECONDS:
        return "auth_in_progress"
    async with pool.acquire() as conn:
        await payments.mark_failed_to_initiate(
            conn, payment.merch_txn_id, None, "no token was recorded for this payment"
        )
    log.warning("atompay_tokenless_payment_closed", merch_txn_id=payment.merch_txn_id)
    return payments.FAILED_TO_INITIATE
