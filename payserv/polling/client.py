"""The outbound call to the status API (the polling part's only aiohttp module, DESIGN §6)."""

from __future__ import annotations

import json

import aiohttp

from payserv.errors import PayservError
from payserv.settings import Settings

FINAL_STATUSES = frozenset({"completed", "failed"})


class RetryableStatusError(PayservError):
    """The status API answered irregularly; the check is tried again later."""


class FinalStatusError(PayservError):
    """The status API refused the request (a 4xx other than 429): retrying won't help."""


def status_url(settings: Settings) -> str:
    """CHECK_STATUS_URL, or this service's own simulator."""
    return settings.check_status_url or (
        f"http://127.0.0.1:{settings.port}/api/check_payment_status/"
    )


async def fetch_status(http: aiohttp.ClientSession, settings: Settings, payment_id: str) -> str:
    """``completed`` or ``failed`` from the status API, else Retryable/FinalStatusError."""
    timeout = aiohttp.ClientTimeout(total=settings.check_status_timeout)
    try:
        async with http.post(
            status_url(settings), json={"payment_id": payment_id}, timeout=timeout
        ) as response:
            body = await response.read()
            status = response.status
    except TimeoutError:
        raise RetryableStatusError("status API timed out") from None
    except aiohttp.ClientError as exc:
        raise RetryableStatusError(f"status API unreachable: {type(exc).__name__}") from None
    return _read_answer(status, body)


def _read_answer(status: int, body: bytes) -> str:
    if status == 429 or status >= 500:
        raise RetryableStatusError(f"status API answered {status}")
    if not 200 <= status < 300:
        raise FinalStatusError(f"status API answered {status}")
    try:
        answer = json.loads(body)
    except ValueError:
        raise RetryableStatusError("status API answered non-JSON") from None
    payment_status = answer.get("payment_status") if isinstance(answer, dict) else None
    if payment_status not in FINAL_STATUSES:
        raise RetryableStatusError(f"status API answered payment_status={payment_status!r}")
    return str(payment_status)
