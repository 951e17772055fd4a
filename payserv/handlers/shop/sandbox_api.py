"""The built-in Stripe sandbox's API (DESIGN §8a) and its webhook sender.

``/sandbox/stripe/v1/...`` is the Stripe-compatible API the shop's own Stripe client calls
(form-encoded, bearer key, Idempotency-Key, Stripe-shaped answers and errors).
``/sandbox/stripe/checkout/{id}`` stands in for Stripe's hosted Checkout: its Pay button
marks the session paid and sends a signed ``checkout.session.completed`` to this
installation's ``/stripe/webhook``, over HTTP, as Stripe would.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Awaitable, Callable
from urllib.parse import parse_qsl

import aiohttp
import structlog
from aiohttp import web

from payserv.context import HTTP, POOL, SETTINGS
from payserv.shop import sandbox, sandbox_store
from payserv.shop.sandbox_objects import SandboxError

log = structlog.get_logger(__name__)

API = f"{sandbox.PATH}/v1"
# The API path of each kind of object the shop creates.
KINDS = {
    "checkout/sessions": "checkout.session",
    "payment_intents": "payment_intent",
    "coupons": "coupon",
    "tax_rates": "tax_rate",
}
WEBHOOK_TIMEOUT = 10.0
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Body = dict[str, object]


def add_routes(app: web.Application) -> None:
    """The API routes (``payserv.handlers.shop.sandbox`` adds them with the pages)."""
    for path, kind in KINDS.items():
        name = "stripe_sandbox_" + kind.replace(".", "_")
        app.router.add_post(f"{API}/{path}", _creator(kind), name=name + "_create")
        app.router.add_get(f"{API}/{path}/{{id}}", _retriever(kind), name=name)
    app.router.add_post(
        f"{API}/test_helpers/checkout/sessions/{{id}}/pay", pay_api, name="stripe_sandbox_pay_api"
    )


def stripe_error(exc: SandboxError) -> web.Response:
    return web.json_response({"error": exc.body}, status=exc.status)


def check_key(request: web.Request) -> None:
    """Stripe's two ways of sending the key: ``Bearer sk_…`` or Basic with it as the user."""
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    key = credentials.strip()
    if scheme.lower() == "basic":
        try:
            key = base64.b64decode(key, validate=True).decode().partition(":")[0]
        except (binascii.Error, UnicodeDecodeError):
            key = ""
    if key != sandbox.SECRET_KEY:
        raise SandboxError(
            f"Invalid API Key provided. The Stripe sandbox's key is {sandbox.SECRET_KEY}.",
            status=401,
        )


def _creator(kind: str) -> Handler:
    async def create(request: web.Request) -> web.Response:
        try:
            check_key(request)
            params = sandbox.decode_form(await _form(request))
            settings = request.app[SETTINGS]
            body, replayed = await sandbox_store.create(
                request.app[POOL],
                kind,
                params,
                request.headers.get("Idempotency-Key"),
                lambda session_id: sandbox.checkout_url(settings, session_id),
            )
        except SandboxError as exc:
            return stripe_error(exc)
        headers = {"Idempotent-Replayed": "true"} if replayed else {}
        return web.json_response(body, headers=headers)

    return create


def _retriever(kind: str) -> Handler:
    async def retrieve(request: web.Request) -> web.Response:
        try:
            check_key(request)
            body, _ = await sandbox_store.retrieve(
                request.app[POOL], kind, request.match_info["id"]
            )
        except SandboxError as exc:
            return stripe_error(exc)
        return web.json_response(body)

    return retrieve


async def _form(request: web.Request) -> list[tuple[str, str]]:
    try:
        text = (await request.read()).decode("utf-8")
        return parse_qsl(text, keep_blank_values=True, strict_parsing=bool(text))
    except (UnicodeDecodeError, ValueError):
        raise SandboxError("The request body is not form-encoded (key=value&…).") from None


async def pay_api(request: web.Request) -> web.Response:
    """``POST …/v1/test_helpers/checkout/sessions/{id}/pay``: the Pay button, for curl."""
    try:
        check_key(request)
        session_id = request.match_info["id"]
        event = await sandbox_store.complete_session(request.app[POOL], session_id)
    except SandboxError as exc:
        return stripe_error(exc)
    failure = await deliver(request.app, event)
    if failure is not None:
        return stripe_error(SandboxError(failure, status=502, type="api_error"))
    return web.json_response({"paid": session_id, "event": event["id"], "webhook": "delivered"})


async def deliver(app: web.Application, event: dict[str, object]) -> str | None:
    """POST the signed event to ``/stripe/webhook``; what went wrong, or None."""
    settings = app[SETTINGS]
    secret = sandbox.webhook_secret(settings)
    assert secret is not None  # the sandbox is on, so it has one
    payload = json.dumps(event).encode()
    url = f"{settings.sandbox_base_url}/stripe/webhook"
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "Stripe-Signature": sandbox.signature_header(payload, secret),
        "User-Agent": "payserv-stripe-sandbox",
    }
    timeout = aiohttp.ClientTimeout(total=WEBHOOK_TIMEOUT)
    try:
        async with app[HTTP].post(url, data=payload, headers=headers, timeout=timeout) as resp:
            status, text = resp.status, await resp.text()
    except (aiohttp.ClientError, TimeoutError) as exc:
        log.warning("stripe_sandbox_webhook_failed", url=url, error=str(exc))
        return f"The session is paid, but {url} could not be reached: {exc}"
    log.info("stripe_sandbox_webhook_sent", event_id=event["id"], url=url, http_status=status)
    if status >= 300:
        return f"The session is paid, but {url} answered {status}: {text[:300]}"
    return None
