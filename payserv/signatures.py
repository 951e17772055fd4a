"""The hex HMAC-SHA256 of a raw body: how the gateway signs its webhooks (``X-Webhook-Signature``)
and how the bank signs the ones it sends payserv (``X-Signature``)."""

from __future__ import annotations

import hashlib
import hmac


def hex_signature(secret: str, body: bytes) -> str:
    """Hex HMAC-SHA256 of the raw body, keyed by the secret's UTF-8 bytes."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify_hex_signature(secret: str, body: bytes, signature: str) -> bool:
    """Constant-time check of a hex HMAC-SHA256 signature of ``body`` (hex case ignored)."""
    candidate = signature.strip().lower()
    # compare_digest raises TypeError on non-ASCII str; a hostile header must be a plain "no".
    if not candidate.isascii():
        return False
    return hmac.compare_digest(hex_signature(secret, body), candidate)
