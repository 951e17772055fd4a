"""Starting an AtomPay payment (DESIGN §8): the ``initiated`` row, then AtomPay's token.

The database connection is never held while AtomPay is being called.
"""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg
import structlog

from payserv.atompay import payments
from payserv.atompay.client import AtomPayCallError, AtomPayClient
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
    pool: asyncpg.Pool, client: AtomPayClient, new: NewPayment
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
        token = await client.request_token(payment)
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
