"""Gateway events and their outbound webhook deliveries (DESIGN §4, "Outbound webhooks").

Callers (payments, refunds) call :func:`emit_event` inside the transaction that changes
state, so the delivery-log row commits or rolls back with it. That row is the outbox: it
is due at once, so a sweeper delivers it even if nothing else does; the process that
committed collects the rows it made (:func:`collecting_deliveries`) to attempt them right
after the commit (payserv/gateway/outbox.py).
"""

from __future__ import annotations

import contextlib
import json
import time
import uuid
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

import asyncpg
import structlog

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


# The deliveries made in the current task since collecting_deliveries() began (or None).
_made: ContextVar[list[uuid.UUID] | None] = ContextVar("gateway_deliveries_made", default=None)


@contextlib.contextmanager
def collecting_deliveries() -> Iterator[list[uuid.UUID]]:
    """Collect the ids of the deliveries :func:`emit_event` makes inside the block.

    The caller attempts them once its transaction has committed; ids of a transaction that
    rolled back name no row, and claiming them finds nothing.
    """
    made: list[uuid.UUID] = []
    token = _made.set(made)
    try:
        yield made
    finally:
        _made.reset(token)


async def emit_event(
    conn: asyncpg.Connection,
    merchant_id: uuid.UUID,
    event: str,
    data: dict[str, Any],
) -> None:
    """Record ``event`` for the merchant, inside the caller's transaction.

    ``data`` is the webhook's ``data`` object, e.g. ``{"payment": {...}}`` (the public
    JSON of the object). When the merchant has a ``webhook_url``, a delivery-log row,
    due now, is created on ``conn``, so it commits with the state change.
    """
    if event not in EVENTS:
        raise ValueError(f"unknown gateway event {event!r}")
    delivery_id = await insert_delivery(conn, merchant_id, event, webhook_body(event, data))
    if delivery_id is None:
        return  # no webhook_url: nothing to deliver, nothing logged
    made = _made.get()
    if made is not None:
        made.append(delivery_id)
    log.info("webhook_scheduled", delivery_id=str(delivery_id), webhook_event=event)
