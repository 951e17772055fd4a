"""Gateway events and their outbound webhook deliveries (DESIGN §4, "Outbound webhooks").

Callers (payments, refunds) call :func:`emit_event` inside the transaction that changes
state, so the delivery-log row commits or rolls back with it. That row is the outbox
(payserv/gateway/outbox.py): due at once, and either leased to the process that commits
it, which collects it (:func:`collecting_deliveries`) to attempt it right after the commit,
or left to the sweepers.
"""

from __future__ import annotations

import contextlib
import json
import time
import uuid
from collections.abc import Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import structlog

from payserv.gateway.webhooks import LEASE_SECONDS, DeliveryTarget, insert_deliveries

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


@dataclass
class Made:
    """The deliveries :func:`emit_event` made inside :func:`collecting_deliveries`."""

    lease: float
    targets: list[DeliveryTarget] = field(default_factory=list)


# What the current task collects, since collecting_deliveries() began (or None).
_made: ContextVar[Made | None] = ContextVar("gateway_deliveries_made", default=None)


@contextlib.contextmanager
def collecting_deliveries(lease: float = LEASE_SECONDS) -> Iterator[Made]:
    """Collect the deliveries :func:`emit_event` makes inside the block, leased to the caller.

    The caller attempts them only when the block exits normally, after its transaction has
    committed (the lease keeps sweepers off them meanwhile; if the caller dies, it expires).
    An exception out of the block skips the attempts, so a block must never catch its own
    transaction's rollback and go on: it would send webhooks for deliveries never committed.
    """
    made = Made(lease)
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
    due now, is created on ``conn``, so it commits with the state change: leased to the
    caller inside :func:`collecting_deliveries`, else at once the sweepers'.
    """
    await emit_events(conn, merchant_id, (event,), data)


async def emit_events(
    conn: asyncpg.Connection,
    merchant_id: uuid.UUID,
    events: Sequence[str],
    data: dict[str, Any],
) -> None:
    """Like :func:`emit_event`, for several events of one state change, in one statement."""
    for event in events:
        if event not in EVENTS:
            raise ValueError(f"unknown gateway event {event!r}")
    made = _made.get()
    timestamp = int(time.time())
    bodies = {event: webhook_body(event, data, timestamp) for event in events}
    lease = None if made is None else made.lease
    targets = await insert_deliveries(conn, merchant_id, bodies, lease)
    if made is not None:
        made.targets.extend(targets)
    # No targets for a merchant without a webhook_url: nothing to deliver, nothing logged.
    for target in targets:
        log.info("webhook_scheduled", delivery_id=str(target.id), webhook_event=target.event)
