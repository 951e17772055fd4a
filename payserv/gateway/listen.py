"""What ``run.py listen`` checks in a webhook it receives: both signature schemes (DESIGN §4).

A merchant-side tool: it verifies with the functions that sign (``signing``), so the two
can never disagree.
"""

from __future__ import annotations

import hmac
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass

from payserv.gateway.signing import standard_webhooks_signature, verify_hex_signature

# Standard Webhooks: a timestamp further than this from now is refused (replays).
TIMESTAMP_TOLERANCE_SECONDS = 300


@dataclass(frozen=True)
class Verification:
    """Each scheme's result: True, False, or None when its headers are absent."""

    hex: bool | None
    standard: bool | None

    @property
    def verified(self) -> bool:
        """At least one scheme present, and every present one checks out."""
        results = [r for r in (self.hex, self.standard) if r is not None]
        return bool(results) and all(results)


def verify_webhook(
    secret: str, body: bytes, headers: Mapping[str, str], now: float | None = None
) -> Verification:
    """Check ``X-Webhook-Signature`` and ``webhook-id/-timestamp/-signature`` of ``body``."""
    hex_header = headers.get("X-Webhook-Signature")
    hex_ok = None if hex_header is None else verify_hex_signature(secret, body, hex_header)
    return Verification(hex_ok, _verify_standard(secret, body, headers, now))


def _verify_standard(
    secret: str, body: bytes, headers: Mapping[str, str], now: float | None
) -> bool | None:
    msg_id = headers.get("webhook-id")
    timestamp = headers.get("webhook-timestamp")
    given = headers.get("webhook-signature")
    if msg_id is None or timestamp is None or given is None:
        return None
    if not timestamp.isdigit():
        return False
    current = time.time() if now is None else now
    if abs(current - int(timestamp)) > TIMESTAMP_TOLERANCE_SECONDS:
        return False
    expected = standard_webhooks_signature(secret, msg_id, int(timestamp), body).encode()
    # The header may hold several space-separated signatures (key rotation): one must match.
    return any(hmac.compare_digest(expected, s.encode()) for s in given.split() if s.isascii())


def describe(body: bytes, headers: Mapping[str, str], result: Verification) -> str:
    """One line per event: its name, its id, and each scheme's verdict."""
    return (
        f"{_event_name(body)}  id={headers.get('webhook-id', '-')}"
        f"  X-Webhook-Signature={_word(result.hex)}"
        f"  webhook-signature={_word(result.standard)}"
    )


def _event_name(body: bytes) -> str:
    try:
        payload = json.loads(body)
    except ValueError:
        return "(not JSON)"
    event = payload.get("event") if isinstance(payload, dict) else None
    return event if isinstance(event, str) else "(no event)"


def _word(result: bool | None) -> str:
    return "absent" if result is None else ("yes" if result else "no")
