"""Webhook signatures: the seed's hex HMAC and Standard Webhooks (DESIGN §4, §5)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

# The seed's scheme is shared with the bank's inbound webhooks, so it lives in the core.
from payserv.signatures import hex_signature, verify_hex_signature

__all__ = [
    "generate_webhook_secret",
    "hex_signature",
    "signature_headers",
    "standard_webhooks_key",
    "standard_webhooks_signature",
    "verify_hex_signature",
]

_PREFIX = "whsec_"


def standard_webhooks_key(secret: str) -> bytes:
    """The base64-decoded part after ``whsec_``, or the secret's UTF-8 bytes if it won't decode."""
    if secret.startswith(_PREFIX):
        try:
            key = base64.b64decode(secret[len(_PREFIX) :], validate=True)
        except ValueError:  # binascii.Error, and non-ASCII input, are both ValueErrors
            key = b""
        if key:
            return key
    # The seeded whsec_test_abc123 lands here, so both schemes then share one key.
    return secret.encode()


def standard_webhooks_signature(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """``v1,<base64 HMAC-SHA256 of "id.timestamp.body">``."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(standard_webhooks_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signature_headers(secret: str, msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """Both schemes' headers for one delivery attempt of ``body``."""
    return {
        "X-Webhook-Signature": hex_signature(secret, body),
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": standard_webhooks_signature(secret, msg_id, timestamp, body),
    }


def generate_webhook_secret() -> str:
    """``whsec_`` + base64 of 32 random bytes."""
    return _PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()
