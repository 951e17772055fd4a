"""User payments whose status is polled from an outside API (DESIGN §6)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import aiohttp
import asyncpg

from payserv.fields import isoformat
from payserv.queries import query
from payserv.settings import Settings

FINAL_STATUSES = frozenset({"completed", "failed"})


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


class RetryableStatusError(Exception):
    """The status API answered irregularly; the check is tried again later."""


class FinalStatusError(Exception):
    """The status API refused the request (a 4xx other than 429): retrying won't help."""


async def insert_payment(conn: asyncpg.Connection, user_id: int, amount: Decimal) -> UserPayment:
    """A new pending payment of ``user_id``."""
    row = await conn.fetchrow(query("polling_insert_payment"), uuid.uuid4(), user_id, amount)
    return UserPayment(**dict(row))


async def get_payment(
    conn: asyncpg.Connection, payment_id: uuid.UUID, user_id: int
) -> UserPayment | None:
    """The payment if it belongs to ``user_id``."""
    row = await conn.fetchrow(query("polling_user_payment"), payment_id, user_id)
    return UserPayment(**dict(row)) if row else None


async def list_payments(
    conn: asyncpg.Connection, user_id: int, limit: int, offset: int
) -> tuple[list[UserPayment], int]:
    """One page of the user's payments, newest first, and their total."""
    rows = await conn.fetch(query("polling_user_payments"), user_id, limit, offset)
    total = await conn.fetchval(query("polling_count_user_payments"), user_id)
    return [UserPayment(**dict(row)) for row in rows], total


def status_url(settings: Settings) -> str:
    """CHECK_STATUS_URL, or this service's own simulator."""
    return settings.check_status_url or (
        f"http://127.0.0.1:{settings.port}/api/check_payment_status/"
    )


async def fetch_status(http: aiohttp.ClientSession, settings: Settings, payment_id: str) -> str:
    """``completed`` or ``failed`` from the status API, else Retryable/FinalStatusError."""
    timeout = aiohttp.ClientTimeout(total=settings.check_status_timeout)
    try:
        async with http.post(
            status_url(settings), json={"payment_id": payment_id}, timeout=timeout
        ) as response:
            body = await response.read()
            status = response.status
    except TimeoutError:
        raise RetryableStatusError("status API timed out") from None
    except aiohttp.ClientError as exc:
        raise RetryableStatusError(f"status API unreachable: {type(exc).__name__}") from None
    return _read_answer(status, body)


def _read_answer(status: int, body: bytes) -> str:
    if status == 429 or status >= 500:
        raise RetryableStatusError(f"status API answered {status}")
    if not 200 <= status < 300:
        raise FinalStatusError(f"status API answered {status}")
    try:
        answer = json.loads(body)
    except ValueError:
        raise RetryableStatusError("status API answered non-JSON") from None
    payment_status = answer.get("payment_status") if isinstance(answer, dict) else None
    if payment_status not in FINAL_STATUSES:
        raise RetryableStatusError(f"status API answered payment_status={payment_status!r}")
    return str(payment_status)
