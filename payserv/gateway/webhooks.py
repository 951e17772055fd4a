"""Outbound webhook delivery log of the gateway: rows, retry schedule, queries (DESIGN §4)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
import procrastinate

from payserv.fields import isoformat
from payserv.gateway.rows import fetch_page, from_row
from payserv.gateway.tasks import defer_webhook_delivery
from payserv.listing import Listing, Page, PageRequest, uuid_id
from payserv.queries import query
from payserv.settings import Settings

MAX_ATTEMPTS = 5
PENDING, SUCCESS, FAILED = "pending", "success", "failed"

# Delay before attempt n (index n - 1), in seconds.
PRODUCTION_INTERVALS = (0.0, 60.0, 300.0, 1800.0, 7200.0)
TEST_INTERVALS = (0.0, 5.0, 10.0, 15.0, 20.0)


def retry_delay(settings: Settings, attempt: int) -> float:
    """Seconds to wait before ``attempt`` (1-based), scaled by ``WEBHOOK_TIME_SCALE``."""
    intervals = TEST_INTERVALS if settings.webhook_retry_intervals_test else PRODUCTION_INTERVALS
    return intervals[attempt - 1] * settings.webhook_time_scale


@dataclass(frozen=True)
class DeliveryLogEntry:
    """One row of ``GET /api/v1/webhooks``."""

    id: uuid.UUID
    event: str
    status: str
    attempts: int
    created_at: datetime
    last_attempt_at: datetime | None
    next_retry_at: datetime | None
    response_code: int | None
    last_error: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "event": self.event,
            "status": self.status,
            "attempts": self.attempts,
            "created_at": isoformat(self.created_at),
            "last_attempt_at": isoformat(self.last_attempt_at),
            "next_retry_at": isoformat(self.next_retry_at),
            "response_code": self.response_code,
            "last_error": self.last_error,
        }


@dataclass(frozen=True)
class DeliveryTarget:
    """What one delivery attempt needs: the stored body and where/how to send it."""

    id: uuid.UUID
    merchant_id: uuid.UUID
    event: str
    body: bytes
    status: str
    attempts: int
    generation: int
    webhook_url: str | None
    webhook_secret_encrypted: bytes


@dataclass(frozen=True)
class AttemptResult:
    """The outcome of one attempt, as recorded in the log."""

    status: str
    response_code: int | None
    error: str | None
    next_in: float | None


async def insert_delivery(
    conn: asyncpg.Connection, merchant_id: uuid.UUID, event: str, body: bytes
) -> uuid.UUID | None:
    """Log a delivery of ``body``; None (nothing inserted) if the merchant has no webhook_url."""
    return await conn.fetchval(
        query("gateway_webhooks_insert_delivery"), uuid.uuid4(), merchant_id, event, body
    )


async def get_target(conn: asyncpg.Connection, delivery_id: uuid.UUID) -> DeliveryTarget | None:
    """The delivery and its merchant's current URL and sealed secret."""
    row = await conn.fetchrow(query("gateway_webhooks_delivery_target"), delivery_id)
    return from_row(DeliveryTarget, row) if row else None


async def record_attempt(
    conn: asyncpg.Connection,
    target: DeliveryTarget,
    attempt: int,
    result: AttemptResult,
) -> bool:
    """Record ``attempt``; False when the job was stale (a retry or a twin got there first)."""
    recorded = await conn.fetchval(
        query("gateway_webhooks_record_attempt"),
        target.id,
        target.generation,
        attempt,
        result.status,
        result.response_code,
        result.error,
        result.next_in,
    )
    return recorded is not None


async def retry_delivery(
    conn: asyncpg.Connection,
    queue: procrastinate.App,
    merchant_id: uuid.UUID,
    delivery_id: uuid.UUID,
) -> bool:
    """Reset the merchant's delivery and deliver it again now (caller's transaction).

    False when the merchant has no such delivery. The reset starts a new generation, so
    jobs of the old one find themselves stale and stop.
    """
    row = await conn.fetchrow(query("gateway_webhooks_reset_for_retry"), delivery_id, merchant_id)
    if row is None:
        return False
    await defer_webhook_delivery(
        conn, queue, delivery_id, event=row["event"], generation=row["generation"], attempt=1
    )
    return True


DELIVERIES = Listing(
    "gateway_webhooks_list", "gateway_webhooks_cursor", "webhook_deliveries", uuid_id
)


async def list_deliveries(
    conn: asyncpg.Connection, merchant_id: uuid.UUID, asked: PageRequest
) -> Page[DeliveryLogEntry]:
    """One page of the merchant's delivery log, newest first, and the total."""
    return await fetch_page(
        conn, DeliveryLogEntry, DELIVERIES, asked, merchant_id, owner=str(merchant_id)
    )
