"""The built-in Stripe sandbox (DESIGN §8a): its fake keys, webhook secret, forms and signatures.

On when ``PAYSERV_SANDBOX`` is set and no ``STRIPE_SECRET_KEY*`` is (``Settings.stripe_sandbox``):
the shop's real Stripe client then talks, over HTTP, to this installation's own
``/sandbox/stripe/v1/...``, which stores what it creates in Postgres so a ``web`` and its
workers see the same sessions.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from typing import Any

from payserv.settings import Settings

# Clearly fake, and the only key the sandbox API accepts: one "account" for every currency.
SECRET_KEY = "sk_test_payserv_sandbox"  # noqa: S105 - public and fake by design
PUBLISHABLE_KEY = "pk_test_payserv_sandbox"
PATH = "/sandbox/stripe"
_KEY_PART = re.compile(r"\[([^\[\]]*)\]")


def api_base(settings: Settings) -> str:
    """``STRIPE_API_BASE`` under the sandbox: this installation, as its web and workers reach it."""
    return f"{settings.sandbox_base_url}{PATH}"


def checkout_url(settings: Settings, session_id: str) -> str:
    """The hosted-checkout stand-in page of a session (a Checkout Session's ``url``)."""
    return f"{settings.sandbox_base_url}{PATH}/checkout/{session_id}"


def webhook_secret(settings: Settings) -> str | None:
    """What ``/stripe/webhook`` verifies with: STRIPE_WEBHOOK_SECRET, else the sandbox's own.

    The sandbox's secret is derived from SECRET_KEY (shared by web and workers) rather than
    published: a forged event is still refused, as with real Stripe.
    """
    if settings.stripe_webhook_secret:
        return settings.stripe_webhook_secret
    if not settings.stripe_sandbox or not settings.secret_key:
        return None
    digest = hmac.new(settings.secret_key.encode(), b"stripe-sandbox-webhook", hashlib.sha256)
    return "whsec_sandbox_" + digest.hexdigest()[:32]


def signature_header(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """``Stripe-Signature: t=…,v1=…``: HMAC-SHA256 of ``"{t}.{payload}"``, as Stripe signs."""
    t = int(time.time()) if timestamp is None else timestamp
    signed = f"{t}.".encode() + payload
    v1 = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={t},v1={v1}"


def decode_form(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Stripe's form encoding (``line_items[0][price_data][currency]=usd``) as nested values.

    A level whose keys are all digits is a list, in index order (stripe-python's encoding).
    """
    root: dict[str, Any] = {}
    for name, value in pairs:
        head, _, rest = name.partition("[")
        parts = [head, *_KEY_PART.findall("[" + rest)] if rest else [head]
        node = root
        for part in parts[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                child = node[part] = {}
            node = child
        node[parts[-1]] = value
    return _listify(root)


def _listify(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    values = {key: _listify(value) for key, value in node.items()}
    if values and all(key.isascii() and key.isdigit() for key in values):
        return [values[key] for key in sorted(values, key=int)]
    return values
