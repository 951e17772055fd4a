"""The gateway's outbound HTTP client: one attempt of a claimed delivery, and the next's schedule.

The one module of the part that uses aiohttp (DESIGN §1): its guarded session refuses the
addresses :mod:`payserv.gateway.outbound` refuses, once more where it connects (DESIGN §2, §4).
"""

from __future__ import annotations

import socket
import time

import aiohttp
import structlog
from aiohttp.abc import AbstractResolver, ResolveResult
from yarl import URL

from payserv.gateway.attempt_log import attempt_log
from payserv.gateway.outbound import RefusedAddressError, connect_refusal, first_refusal
from payserv.gateway.signing import signature_headers
from payserv.gateway.webhooks import (
    FAILED,
    MAX_ATTEMPTS,
    PENDING,
    SUCCESS,
    AttemptResult,
    DeliveryTarget,
    retry_delay,
)
from payserv.queue import JobDeps
from payserv.secretbox import SecretKeyMismatchError, open_sealed

log = structlog.get_logger(__name__)

ATTEMPT_TIMEOUT = 5.0  # a 2xx within 5 s is success


async def attempt_delivery(deps: JobDeps, target: DeliveryTarget) -> None:
    """Make the next attempt of a delivery this process claimed, and record it.

    The record ends the lease and, after a failure, sets when the next attempt is due (the
    sweeper's then); a stale attempt (a manual retry reset the row meanwhile) records nothing.
    """
    attempt = target.attempts + 1
    # No connection is held during the HTTP call: a slow receiver must not drain the pool.
    result = await _attempt(deps, target, attempt)
    if not await attempt_log(deps.pool).record(target, attempt, result):
        log.info("webhook_attempt_stale", delivery_id=str(target.id), attempt=attempt)
        return
    _log_result(target, attempt, result)
    if deps.metrics is not None:
        deps.metrics.webhook_deliveries.labels(result.status).inc()


class GuardedResolver(AbstractResolver):
    """Resolves like ``inner``, but a name with any refused address fails to connect."""

    def __init__(self, inner: AbstractResolver | None = None) -> None:
        self._inner = inner if inner is not None else aiohttp.DefaultResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = await self._inner.resolve(host, port, family)
        reason = first_refusal(host, [result["host"] for result in results])
        if reason is not None:
            raise RefusedAddressError(reason)
        return results

    async def close(self) -> None:
        await self._inner.close()


def outbound_session(allow_private: bool) -> aiohttp.ClientSession:
    """A session for requests to merchant-set URLs; refused names fail to connect.

    aiohttp does not resolve IP-address hosts, so callers check :func:`connect_refusal` first.
    """
    connector = None if allow_private else aiohttp.TCPConnector(resolver=GuardedResolver())
    return aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=30))


async def _attempt(deps: JobDeps, target: DeliveryTarget, attempt: int) -> AttemptResult:
    try:
        code, error = await _post(deps, target)
    except RefusedAddressError as exc:
        # A refused address stays refused; retrying would only keep probing it (DESIGN §2).
        return AttemptResult(FAILED, None, f"refused: {exc}", None)
    if code is not None and 200 <= code < 300:
        return AttemptResult(SUCCESS, code, None, None)
    if attempt >= MAX_ATTEMPTS:
        return AttemptResult(FAILED, code, error, None)
    return AttemptResult(PENDING, code, error, retry_delay(deps.settings, attempt + 1))


async def _post(deps: JobDeps, target: DeliveryTarget) -> tuple[int | None, str | None]:
    """POST the stored body once: (response code, error description).

    Raises RefusedAddressError when the URL's host is, or resolves to, a refused address.
    """
    if not target.webhook_url:
        return None, "merchant has no webhook_url"
    try:
        secret = _webhook_secret(deps, target)
    except SecretKeyMismatchError as exc:
        log.error("webhook_secret_unreadable", delivery_id=str(target.id), error=str(exc))
        return None, str(exc)
    headers = signature_headers(secret, str(target.id), int(time.time()), target.body)
    headers["Content-Type"] = "application/json"
    try:
        async with _session(deps, target.webhook_url).post(
            target.webhook_url,
            data=target.body,
            headers=headers,
            allow_redirects=False,
            timeout=aiohttp.ClientTimeout(total=ATTEMPT_TIMEOUT),
        ) as response:
            code = response.status
    except aiohttp.ClientConnectorError as exc:
        if isinstance(exc.os_error, RefusedAddressError):
            raise exc.os_error from None
        return None, f"{type(exc).__name__}: {exc}"[:500]
    except (TimeoutError, aiohttp.ClientError, ValueError) as exc:
        return None, f"{type(exc).__name__}: {exc}"[:500]
    return code, None if 200 <= code < 300 else f"HTTP {code}"


def _webhook_secret(deps: JobDeps, target: DeliveryTarget) -> str:
    assert deps.settings.secret_key is not None
    return open_sealed(
        target.webhook_secret_encrypted, deps.settings.secret_key, "the merchant's webhook secret"
    )


def _session(deps: JobDeps, url: str) -> aiohttp.ClientSession:
    """The guarded webhook session, after the check its resolver cannot make (DESIGN §2)."""
    if deps.settings.allows_private_webhook_urls:
        return deps.webhook_http or deps.http
    if deps.webhook_http is None:
        raise RuntimeError("webhook deliveries need JobDeps.webhook_http (outbound_session)")
    reason = connect_refusal(URL(url))
    if reason is not None:
        raise RefusedAddressError(reason)
    return deps.webhook_http


def _log_result(target: DeliveryTarget, attempt: int, result: AttemptResult) -> None:
    fields = {
        "delivery_id": str(target.id),
        "merchant_id": str(target.merchant_id),
        "webhook_event": target.event,
        "attempt": attempt,
        "response_code": result.response_code,
    }
    if result.status == SUCCESS:
        log.info("webhook_delivered", **fields)
    else:
        log.warning(
            "webhook_delivery_failed",
            **fields,
            error=result.error,
            final=result.status == FAILED,
            next_in=result.next_in,
        )
