"""AtomPay payment rows (DESIGN §8): one per attempt, ``initiated`` until settled once."""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

import asyncpg
import structlog

from payserv.atompay.crypto import format_txn_date
from payserv.errors import BadRequestError
from payserv.fields import isoformat
from payserv.listing import Listing, Page, PageRequest, fetch_page
from payserv.queries import query

log = structlog.get_logger(__name__)

_TXN_ID_ALPHABET = string.ascii_uppercase + string.digits
_TXN_ID_RANDOM_CHARS = 20  # ~103 bits: unguessable, and well within AtomPay's 50 chars

INITIATED, SUCCESS, FAILED, FAILED_TO_INITIATE = (
    "initiated",
    "success",
    "failed",
    "failed_to_initiate",
)


@dataclass(frozen=True)
class NewPayment:
    """What ``POST /atompay`` asks for; the amount is added from the event."""

    user_id: int
    event_id: int
    event_type: str
    email: str
    phone: str
    team_name: str | None
    team_members: list[str]


@dataclass(frozen=True)
class Payment(NewPayment):
    """A payment row: what was asked for, and what payserv and AtomPay added."""

    id: int
    merch_txn_id: str
    amount: Decimal
    status: str
    atom_token_id: str | None
    atompay_transaction_id: str | None
    bank_transaction_id: str | None
    status_code: str | None
    last_error: str | None
    created_at: datetime
    updated_at: datetime
    settled_at: datetime | None

    def to_json(self) -> dict[str, Any]:
        """The payment as ``GET /api/atompay/payments`` shows it to its owner."""
        return {
            "merch_txn_id": self.merch_txn_id,
            "event_id": self.event_id,
            "event_type": self.event_type,
            "email": self.email,
            "phone": self.phone,
            "team_name": self.team_name,
            "team_members": self.team_members,
            "amount": f"{self.amount:.2f}",
            "currency": "INR",
            "status": self.status,
            "payment_status": self.status,  # the seed's name for the same value
            "atom_token_id": self.atom_token_id,
            "atompay_transaction_id": self.atompay_transaction_id,
            "bank_transaction_id": self.bank_transaction_id,
            "status_code": self.status_code,
            "last_error": self.last_error,
            # As AtomPay knows it (Indian wall-clock time): handy to find it there.
            "merch_txn_date": format_txn_date(self.created_at),
            "created_at": isoformat(self.created_at),
            "updated_at": isoformat(self.updated_at),
            "settled_at": isoformat(self.settled_at),
        }


def new_merch_txn_id() -> str:
    """``PS`` + 20 characters from a CSPRNG."""
    return "PS" + "".join(secrets.choice(_TXN_ID_ALPHABET) for _ in range(_TXN_ID_RANDOM_CHARS))


def _payment(row: asyncpg.Record) -> Payment:
    return Payment(**dict(row))


async def insert_payment(conn: asyncpg.Connection, new: NewPayment, amount: Decimal) -> Payment:
    """Insert an ``initiated`` payment; 400 if the user has already paid for the event.

    Earlier ``initiated`` or ``failed`` payments of the event never block a new one.
    """
    row = await conn.fetchrow(
        query("atompay_insert_payment"),
        new_merch_txn_id(),
        new.user_id,
        new.event_id,
        new.event_type,
        new.email,
        new.phone,
        new.team_name,
        new.team_members,
        amount,
    )
    if row is None:
        raise BadRequestError("you have already paid for this event", field="event_id")
    return _payment(row)


async def get_payment(conn: asyncpg.Connection, merch_txn_id: str) -> Payment | None:
    """The payment with ``merch_txn_id``, whoever owns it."""
    row = await conn.fetchrow(query("atompay_payment_by_merch_txn_id"), merch_txn_id)
    return _payment(row) if row else None


async def get_user_payment(
    conn: asyncpg.Connection, user_id: int, merch_txn_id: str
) -> Payment | None:
    """The payment if ``user_id`` owns it."""
    row = await conn.fetchrow(query("atompay_user_payment"), user_id, merch_txn_id)
    return _payment(row) if row else None


PAYMENTS = Listing("atompay_list_user_payments", "atompay_user_payment_cursor", "atompay_payments")


async def list_user_payments(
    conn: asyncpg.Connection, user_id: int, asked: PageRequest
) -> Page[Payment]:
    """A page of the user's payments, newest first, and their total (cursor: a merchTxnId)."""
    page = await fetch_page(conn, PAYMENTS, asked, user_id, owner=str(user_id))
    return page.map(_payment)


async def set_token(conn: asyncpg.Connection, merch_txn_id: str, atom_token_id: str) -> bool:
    """Store the AUTH token; False if the payment is no longer initiated."""
    return await conn.fetchval(query("atompay_set_token"), merch_txn_id, atom_token_id) is not None


async def mark_failed_to_initiate(
    conn: asyncpg.Connection, merch_txn_id: str, status_code: str | None, error: str
) -> bool:
    """The AUTH call failed: the payment stays visible as ``failed_to_initiate``."""
    updated = await conn.fetchval(
        query("atompay_mark_failed_to_initiate"), merch_txn_id, status_code, error
    )
    return updated is not None


class Outcome(Protocol):
    """What AtomPay said about a transaction: a callback or a status-API answer."""

    @property
    def status_code(self) -> str: ...
    @property
    def atom_txn_id(self) -> str | None: ...
    @property
    def bank_txn_id(self) -> str | None: ...


async def settle(
    conn: asyncpg.Connection, merch_txn_id: str, status: str, outcome: Outcome
) -> bool:
    """Settle an initiated payment as ``success`` or ``failed``; False if already settled.

    Another payment of the same user and event may be paid too (two initiations, both paid
    at AtomPay): both are recorded, and the second is logged for an operator to refund.
    """
    async with conn.transaction():
        await conn.execute(query("atompay_lock_event_payments"), merch_txn_id)
        updated = await conn.fetchval(
            query("atompay_settle"),
            merch_txn_id,
            status,
            outcome.atom_txn_id,
            outcome.bank_txn_id,
            outcome.status_code,
        )
        if updated is None or status != SUCCESS:
            return updated is not None
        others = await conn.fetch(query("atompay_other_successes"), merch_txn_id)
    if others:
        log.warning(
            "atompay_duplicate_payment",
            merch_txn_id=merch_txn_id,
            also_paid=[row["merch_txn_id"] for row in others],
        )
    return True


async def note_check_error(conn: asyncpg.Connection, merch_txn_id: str, error: str) -> None:
    """Record why a status check left the payment initiated."""
    await conn.execute(query("atompay_note_check_error"), merch_txn_id, error)


async def due_for_reconcile(
    conn: asyncpg.Connection, older_than_seconds: float, limit: int
) -> list[Payment]:
    """Payments still initiated ``older_than_seconds`` after creation, oldest first."""
    rows = await conn.fetch(query("atompay_due_for_reconcile"), float(older_than_seconds), limit)
    return [_payment(row) for row in rows]
