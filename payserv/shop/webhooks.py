"""Stripe webhook events: each event id once; paid sessions and intents mark purchases paid."""

from __future__ import annotations

import re
from typing import Any

import asyncpg
import stripe
import structlog

from payserv.errors import BadRequestError, ConfigurationError, SignatureError
from payserv.queries import query

log = structlog.get_logger(__name__)

TOLERANCE_SECONDS = 300
_REFERENCE = re.compile(r"^(item|order):([0-9]{1,18})$")


def verify_event(payload: bytes, signature: str | None, secret: str | None) -> dict[str, Any]:
    """The event after stripe-python's own signature check (5 min tolerance); 400 otherwise."""
    if not secret:
        raise ConfigurationError("Stripe webhooks are not configured: set STRIPE_WEBHOOK_SECRET")
    if not signature:
        raise SignatureError("Stripe-Signature header is required")
    try:
        event = stripe.Webhook.construct_event(
            payload.decode("utf-8"), signature, secret, tolerance=TOLERANCE_SECONDS
        )
    except stripe.SignatureVerificationError:
        raise SignatureError("Stripe-Signature does not verify") from None
    except (ValueError, UnicodeDecodeError):
        raise BadRequestError("webhook body is not a Stripe event") from None
    body = event.to_dict()
    if not isinstance(body.get("id"), str) or not isinstance(body.get("type"), str):
        raise BadRequestError("webhook body is not a Stripe event")
    return body


async def handle_event(conn: asyncpg.Connection, event: dict[str, Any]) -> str:
    """Record the event once and apply it; returns ``processed``, ``duplicate`` or ``ignored``."""
    inserted = await conn.fetchval(query("shop_insert_event"), event["id"], event["type"])
    if inserted is None:
        log.info("stripe_event_duplicate", event_id=event["id"])
        return "duplicate"
    paid = _paid_object(event)
    if paid is None:
        return "ignored"
    stripe_id, reference = paid
    row = await conn.fetchrow(query("shop_mark_purchase_paid"), stripe_id, reference)
    if row is None:
        # An unknown (or already paid) session or intent: acknowledged, nothing changes.
        log.info("stripe_event_unmatched", event_id=event["id"], stripe_id=stripe_id)
        return "ignored"
    kind, _, local_id = reference.partition(":")
    if kind == "order":
        await conn.execute(query("shop_mark_order_paid"), int(local_id))
    log.info("shop_purchase_paid", event_id=event["id"], reference=reference, stripe_id=stripe_id)
    return "processed"


def _paid_object(event: dict[str, Any]) -> tuple[str, str] | None:
    """``(stripe object id, reference)`` for an event that reports a payment."""
    obj = (event.get("data") or {}).get("object") or {}
    if not isinstance(obj, dict) or not isinstance(obj.get("id"), str):
        return None
    if event["type"] == "checkout.session.completed":
        if obj.get("payment_status") not in (None, "paid", "no_payment_required"):
            return None  # asynchronous methods complete later (async_payment_succeeded)
        reference = obj.get("client_reference_id")
    elif event["type"] in ("payment_intent.succeeded", "checkout.session.async_payment_succeeded"):
        reference = obj.get("client_reference_id") or (obj.get("metadata") or {}).get("reference")
    else:
        return None
    if not isinstance(reference, str) or not _REFERENCE.match(reference):
        return None
    return obj["id"], reference
