"""Gateway events and their outbound webhook deliveries (DESIGN §4, "Outbound webhooks").

INTERFACE ONLY so far: the webhooks engineer implements it. Callers (payments, refunds)
call it inside the transaction that changes state.
"""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg
import procrastinate

EVENTS = (
    "payment.created",
    "payment.pending",
    "payment.success",
    "payment.failed",
    "refund.created",
    "refund.processed",
)


async def emit_event(
    conn: asyncpg.Connection,
    queue: procrastinate.App,
    merchant_id: uuid.UUID,
    event: str,
    data: dict[str, Any],
) -> None:
    """Record ``event`` for the merchant, inside the caller's transaction.

    ``data`` is the webhook's ``data`` object, e.g. ``{"payment": {...}}`` (the public
    JSON of the object). When the merchant has a ``webhook_url``, a delivery-log row
    and its delivery job are created on ``conn``, so they commit with the state change.
    """
    if event not in EVENTS:
        raise ValueError(f"unknown gateway event {event!r}")
    # Not implemented yet: deliveries are added by the webhooks part.
