"""AtomPay payments (DESIGN §8): start one, settle it from a callback or the status API.

Every function owns its short transactions and never holds a database connection
while AtomPay is being called.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import aiohttp
import asyncpg
import structlog

from payserv.atompay import client as atompay_client
from payserv.atompay import payments
from payserv.atompay.callback import Callback
from payserv.atompay.client import (
    SUCCESS_CODE,
    AtomPayCallError,
    StatusReport,
    is_final_failure,
    query_status,
    request_token,
)
from payserv.atompay.config import AtomPayConfig
from payserv.atompay.events import get_event
from payserv.atompay.payments import NewPayment, Payment
from payserv.errors import BadRequestError, NotFoundError, UpstreamError

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class StartedPayment:
    """A payment with its AtomPay token: what the checkout script needs."""

    payment: Payment
    atom_token_id: str


async def start_payment(
    pool: asyncpg.Pool, http: aiohttp.ClientSession, config: AtomPayConfig, new: NewPayment
) -> StartedPayment:
    """Insert and commit the ``initiated`` row, then ask AtomPay for a token.

    AtomPay failing leaves the row ``failed_to_initiate`` and raises ``UpstreamError``.
    """
    async with pool.acquire() as conn, conn.transaction():
        event = await get_event(conn, new.event_id)
        if event is None:
            raise NotFoundError("event not found", field="event_id")
        if event.kind != new.event_type:
            raise BadRequestError(f"this event is a {event.kind} event", field="event_type")
        payment = await payments.insert_payment(conn, new, event.fee)
    log.info("atompay_payment_created", merch_txn_id=payment.merch_txn_id, event_id=event.id)
    try:
        token = await request_token(http, config, payment)
    except AtomPayCallError as exc:
        async with pool.acquire() as conn:
            await payments.mark_failed_to_initiate(
                conn, payment.merch_txn_id, exc.status_code, str(exc)
            )
        log.warning("atompay_auth_failed", merch_txn_id=payment.merch_txn_id, error=str(exc))
        raise UpstreamError(f"AtomPay did not start the payment: {exc}") from None
    async with pool.acquire() as conn:
        if not await payments.set_token(conn, payment.merch_txn_id, token):
            # Settled meanwhile (only a reconciliation run can do that): do not hand out
            # a token for a payment that is over.
            raise BadRequestError("this payment was settled before it could start")
    log.info("atompay_token_issued", merch_txn_id=payment.merch_txn_id)
    return StartedPayment(payment=payment, atom_token_id=token)


async def accept_callback(
    conn: asyncpg.Connection, config: AtomPayConfig, callback: Callback
) -> Payment:
    """Check a decrypted callback against the stored payment, then settle it once.

    Unknown ``merchTxnId`` → 404; bad signature → 400 SIGNATURE_ERROR; another amount →
    400. A payment that is already settled is returned unchanged (a replay).
    """
    payment = await payments.get_payment(conn, callback.merch_txn_id)
    if payment is None:
        raise NotFoundError("no payment has this merchTxnId")
    callback.verify(config)
    if not callback.amount_matches(payment.amount):
        log.warning("atompay_callback_amount_mismatch", merch_txn_id=payment.merch_txn_id)
        raise BadRequestError("the callback's amount differs from the payment's amount")
    status = payments.SUCCESS if callback.status_code == SUCCESS_CODE else payments.FAILED
    settled = await payments.settle(
        conn,
        payment.merch_txn_id,
        status,
        atompay_transaction_id=callback.atom_txn_id,
        bank_transaction_id=callback.bank_txn_id,
        status_code=callback.status_code,
    )
    log.info(
        "atompay_callback_accepted" if settled else "atompay_callback_replayed",
        merch_txn_id=payment.merch_txn_id,
        status=status,
        status_code=callback.status_code,
    )
    current = await payments.get_payment(conn, payment.merch_txn_id)
    assert current is not None
    return current


async def reconcile_payment(
    pool: asyncpg.Pool, http: aiohttp.ClientSession, config: AtomPayConfig, payment: Payment
) -> str:
    """Settle one initiated payment from AtomPay's status API; returns what happened."""
    if payment.atom_token_id is None:
        return await _expire_tokenless(pool, payment)
    try:
        report = await query_status(http, config, payment)
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
        settled = await payments.settle(
            conn,
            payment.merch_txn_id,
            status,
            atompay_transaction_id=report.atom_txn_id,
            bank_transaction_id=report.bank_txn_id,
            status_code=report.status_code,
        )
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
    if age < 2 * atompay_client.REQUEST_TIMEOUT_SECONDS:
        return "auth_in_progress"
    async with pool.acquire() as conn:
        await payments.mark_failed_to_initiate(
            conn, payment.merch_txn_id, None, "no token was recorded for this payment"
        )
    log.warning("atompay_tokenless_payment_closed", merch_txn_id=payment.merch_txn_id)
    return payments.FAILED_TO_INITIATE
