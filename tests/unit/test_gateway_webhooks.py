"""Retry schedule and body serialization of outbound webhooks (no database)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from payserv.gateway.events import webhook_body
from payserv.gateway.signing import generate_webhook_secret, signature_headers
from payserv.gateway.webhooks import retry_delay
from payserv.settings import Settings


@pytest.mark.parametrize(
    ("test_intervals", "scale", "expected"),
    [
        (False, 1.0, [0, 60, 300, 1800, 7200]),
        (True, 1.0, [0, 5, 10, 15, 20]),
        (True, 0.1, [0, 0.5, 1.0, 1.5, 2.0]),
    ],
)
def test_retry_delay(test_intervals: bool, scale: float, expected: list[float]) -> None:
    settings = Settings(webhook_retry_intervals_test=test_intervals, webhook_time_scale=scale)
    assert [retry_delay(settings, n) for n in range(1, 6)] == pytest.approx(expected)


def test_body_shape_and_stable_bytes() -> None:
    data = {"payment": {"id": "pay_x", "amount": 100, "vpa": "ü@bank"}}
    body = webhook_body("payment.success", data, timestamp=1705315870)
    assert json.loads(body) == {"event": "payment.success", "timestamp": 1705315870, "data": data}
    assert body == webhook_body("payment.success", data, timestamp=1705315870)
    assert b" " not in body.replace(b"\xc3\xbc", b"")


def _readme_verifiers() -> dict[str, Any]:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme.split("#### Verifying a webhook", 1)[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    namespace: dict[str, Any] = {}
    exec(code, namespace)
    return namespace


@pytest.mark.parametrize("secret", ["whsec_test_abc123", generate_webhook_secret()])
def test_readme_snippet_verifies_both_schemes(secret: str) -> None:
    verifiers = _readme_verifiers()
    body = webhook_body("payment.success", {"payment": {"id": "pay_x"}})
    headers = signature_headers(
        secret, "6f1c2b9e-3d4a-4f0e-9a43-0c8d2f1e7b55", int(time.time()), body
    )
    assert verifiers["verify_hex"](secret, body, headers)
    assert verifiers["verify_standard"](secret, body, headers)
    assert not verifiers["verify_hex"](secret, body + b" ", headers)
    assert not verifiers["verify_standard"](secret, body + b" ", headers)
