"""Gateway events and their outbound webhook deliveries (DESIGN §4, "Outbound webhooks").

Callers (payments, refunds) call :func:`emit_event` inside the transaction that changes
state, so the delivery-log row and its delivery job commit or roll back with it.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import asyncpg
import procrastinate
import structlog

from payserv.gateway.tasks import defer_webhook_delivery
from payserv.gateway.webhooks import insert_delivery

log = structlog.get_logger(__name__)

EVENTS = (
    "payment.created",
    "payment.pending",
    "payment.success",
    "payment.failed",
    "refund.created",
    "refund.processed",
    "webhook.test",  # sent on request by the merchant (API or dashboard) to try its endpoint
)


def webhook_body(event: str, data: dict[str, Any], timestamp: int | None = None) -> bytes:
    """The webhook body, serialized once: these exact bytes are sent and signed."""
    payload = {
        "event": event,
        "timestamp": int(time.time()) if timestamp is None else timestamp,
        "data": data,
    }
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


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
    delivery_id = await insert_delivery(conn, merchant_id, event, webhook_body(event, data))
    if delivery_id is None:
        return  # no webhook_url: nothing to deliver, nothing logged
    await defer_webhook_delivery(conn, queue, delivery_id, event=event, generation=0, attempt=1)
    log.info("webhook_scheduled", delivery_id=str(delivery_id), webhook_event=event)
