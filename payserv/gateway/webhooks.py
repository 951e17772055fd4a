"""Outbound webhook delivery log of the gateway: rows, retry schedule, queries (DESIGN §4)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from payserv.fields import isoformat
from payserv.gateway.rows import fetch_page, from_row
from payserv.listing import Listing, Page, PageRequest, uuid_id
from payserv.queries import query
from payserv.settings import Settings

MAX_ATTEMPTS = 5
PENDING, SUCCESS, FAILED = "pending", "success", "failed"
# How long a claim (or an insert for the committing process) leases a delivery: far longer
# than an attempt (a 5 s timeout and one UPDATE to record it), so only a claimer that died
# lets it expire, and then the delivery waits this long for a sweeper.
LEASE_SECONDS = 60.0

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


async def insert_deliveries(
    conn: asyncpg.Connection,
    merchant_id: uuid.UUID,
    bodies: dict[str, bytes],
    lease: float | None,
) -> list[DeliveryTarget]:
    """Log a delivery per event of ``bodies``, leased for ``lease`` s (None: the sweepers').

    Nothing is inserted (an empty list) when the merchant has no webhook_url.
    """
    rows = await conn.fetch(
        query("gateway_webhooks_insert_deliveries"),
        [uuid.uuid4() for _ in bodies],
        merchant_id,
        list(bodies),
        list(bodies.values()),
        lease,
    )
    return [from_row(DeliveryTarget, row) for row in rows]


async def claim(
    conn: asyncpg.Connection, delivery_ids: list[uuid.UUID], lease: float
) -> list[DeliveryTarget]:
    """Lease those of ``delivery_ids`` that are due and unleased, for ``lease`` seconds."""
    rows = await conn.fetch(query("gateway_webhooks_claim"), delivery_ids, lease)
    return [from_row(DeliveryTarget, row) for row in rows]


async def claim_due(conn: asyncpg.Connection, limit: int, lease: float) -> list[DeliveryTarget]:
    """Lease up to ``limit`` due, unleased deliveries (any merchant's), earliest first."""
    rows = await conn.fetch(query("gateway_webhooks_claim_due"), limit, lease)
    return [from_row(DeliveryTarget, row) for row in rows]


async def release(conn: asyncpg.Connection, delivery_ids: list[uuid.UUID]) -> None:
    """End the leases of deliveries this process will not attempt: due, they are the sweepers'."""
    await conn.execute(query("gateway_webhooks_release"), delivery_ids)


async def make_due(conn: asyncpg.Connection, delivery_id: uuid.UUID) -> None:
    """Bring a pending delivery's next attempt forward to now."""
    await conn.execute(query("gateway_webhooks_make_due"), delivery_id)


async def retry_delivery(
    conn: asyncpg.Connection, merchant_id: uuid.UUID, delivery_id: uuid.UUID
) -> bool:
    """Reset the merchant's delivery and make it due now (caller's transaction).

    False when the merchant has no such delivery. The reset starts a new generation, so
    an attempt of the old one still in flight records nothing.
    """
    reset = await conn.fetchval(query("gateway_webhooks_reset_for_retry"), delivery_id, merchant_id)
    return reset is not None


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
