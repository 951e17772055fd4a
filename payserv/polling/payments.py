"""User payments whose status is polled from an outside API (DESIGN §6)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import asyncpg
import procrastinate

from payserv.errors import NotFoundError
from payserv.fields import isoformat
from payserv.listing import Listing, Page, PageRequest, fetch_page, uuid_id
from payserv.polling.tasks import defer_status_check
from payserv.queries import query


@dataclass(frozen=True)
class UserPayment:
    """A user's payment row."""

    id: uuid.UUID
    user_id: int
    amount: Decimal
    payment_status: str
    status_checks: int
    last_check_error: str | None
    created_at: datetime
    updated_at: datetime
    processed_at: datetime | None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "amount": f"{self.amount:.2f}",
            "payment_status": self.payment_status,
            "status_checks": self.status_checks,
            "last_check_error": self.last_check_error,
            "created_at": isoformat(self.created_at),
            "updated_at": isoformat(self.updated_at),
            "processed_at": isoformat(self.processed_at),
        }


async def create_payment(
    conn: asyncpg.Connection, queue: procrastinate.App, user_id: int, amount: Decimal
) -> UserPayment:
    """A new pending payment of ``user_id`` and its status-check job, in one transaction."""
    row = await conn.fetchrow(query("polling_insert_payment"), uuid.uuid4(), user_id, amount)
    payment = UserPayment(**dict(row))
    await defer_status_check(conn, queue, str(payment.id))
    return payment


async def get_payment(conn: asyncpg.Connection, payment_id: uuid.UUID, user_id: int) -> UserPayment:
    """The payment if it belongs to ``user_id``, else a 404."""
    row = await conn.fetchrow(query("polling_user_payment"), payment_id, user_id)
    if row is None:
        raise NotFoundError()
    return UserPayment(**dict(row))


PAYMENTS = Listing("polling_user_payments", "polling_user_payment_cursor", "user_payments", uuid_id)


async def list_payments(
    conn: asyncpg.Connection, user_id: int, asked: PageRequest
) -> Page[UserPayment]:
    """One page of the user's payments, newest first, and their total."""
    page = await fetch_page(conn, PAYMENTS, asked, user_id, owner=str(user_id))
    return page.map(lambda row: UserPayment(**dict(row)))


async def pending_checks(conn: asyncpg.Connection, payment_id: uuid.UUID) -> int | None:
    """How many status calls were recorded for a pending payment; None once settled (or gone)."""
    row = await conn.fetchrow(query("polling_payment_status"), payment_id)
    if row is None or row["payment_status"] != "pending":
        return None
    return int(row["status_checks"])


async def settle(conn: asyncpg.Connection, payment_id: uuid.UUID, final_status: str) -> None:
    """Settle a still-pending payment with the status API's final answer."""
    await conn.execute(query("polling_settle"), payment_id, final_status)


async def record_check_error(conn: asyncpg.Connection, payment_id: uuid.UUID, error: str) -> None:
    """Count a status call that did not settle the still-pending payment."""
    await conn.execute(query("polling_record_check_error"), payment_id, error)
