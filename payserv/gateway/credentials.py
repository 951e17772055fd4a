"""A merchant's own secrets and webhook test (DESIGN §4b): one implementation for the API
and the dashboard. New secrets are returned once and never logged or stored in clear."""

from __future__ import annotations

import secrets
import uuid

import asyncpg
import structlog

from payserv.errors import BadRequestError
from payserv.gateway.events import emit_event
from payserv.gateway.merchants import get_merchant, hash_api_secret
from payserv.gateway.signing import generate_webhook_secret
from payserv.queries import query
from payserv.secretbox import seal

log = structlog.get_logger(__name__)

TEST_EVENT = "webhook.test"


def new_api_secret() -> str:
    """A fresh random API secret, in the form ``createmerchant`` prints."""
    return "secret_" + secrets.token_urlsafe(32)


async def roll_api_secret(conn: asyncpg.Connection, merchant_id: uuid.UUID) -> str:
    """Replace the merchant's API secret; the old one is refused from the commit on."""
    api_secret = new_api_secret()
    await conn.execute(
        query("gateway_set_api_secret_hash"), merchant_id, hash_api_secret(api_secret)
    )
    log.info("api_secret_rolled", merchant_id=str(merchant_id))
    return api_secret


async def regenerate_webhook_secret(
    conn: asyncpg.Connection, merchant_id: uuid.UUID, secret_key: str
) -> str:
    """A new ``whsec_`` secret; every delivery attempt from now on is signed with it."""
    webhook_secret = generate_webhook_secret()
    await conn.execute(
        query("gateway_set_webhook_secret"), merchant_id, seal(webhook_secret, secret_key)
    )
    log.info("webhook_secret_regenerated", merchant_id=str(merchant_id))
    return webhook_secret


async def send_test_webhook(conn: asyncpg.Connection, merchant_id: uuid.UUID) -> None:
    """Emit ``webhook.test`` through the normal signed, logged delivery (caller's transaction)."""
    merchant = await get_merchant(conn, merchant_id)
    if merchant is None or merchant.webhook_url is None:
        raise BadRequestError(
            "set a webhook_url before sending a test webhook", field="webhook_url"
        )
    await emit_event(conn, merchant_id, TEST_EVENT, {"merchant_id": str(merchant_id)})
