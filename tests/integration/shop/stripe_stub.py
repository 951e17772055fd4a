"""A small Stripe-compatible HTTP server for the shop tests (stand-in until tests/fakes lands).

Form-encoded requests, ``Authorization: Bearer``, ``Idempotency-Key`` replay, Stripe-shaped
objects and error bodies, and injected failures.
"""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

_PREFIX = {
    "/v1/checkout/sessions": ("cs_test_", "checkout.session"),
    "/v1/payment_intents": ("pi_test_", "payment_intent"),
    "/v1/coupons": ("coupon_", "coupon"),
    "/v1/tax_rates": ("txr_", "tax_rate"),
}


@dataclass
class Recorded:
    """One request as the server saw it."""

    path: str
    params: dict[str, str]
    api_key: str
    idempotency_key: str | None


@dataclass
class StripeStub:
    """State of the stub: requests, created objects, replay cache, queued failures."""

    url: str = ""
    requests: list[Recorded] = field(default_factory=list)
    objects: list[dict[str, Any]] = field(default_factory=list)
    failures: list[tuple[int, str | None]] = field(default_factory=list)
    delay: float = 0.0
    _replay: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def fail_next(self, status: int, error_type: str | None = "api_error", times: int = 1) -> None:
        """The next ``times`` requests answer ``status`` with a Stripe error body."""
        self.failures.extend([(status, error_type)] * times)

    def calls(self, path: str) -> list[Recorded]:
        return [r for r in self.requests if r.path == path]

    def created(self, obj: str) -> list[dict[str, Any]]:
        return [o for o in self.objects if o["object"] == obj]

    async def handle(self, request: web.Request) -> web.Response:
        auth = request.headers.get("Authorization", "")
        if not auth.startswith("Bearer sk_"):
            return _error(401, "invalid_request_error", "Invalid API Key provided")
        params = dict(parse_qsl(await request.text(), keep_blank_values=True))
        key = request.headers.get("Idempotency-Key")
        self.requests.append(Recorded(request.path, params, auth[7:], key))
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.failures:
            status, error_type = self.failures.pop(0)
            return _error(status, error_type or "api_error", "injected failure")
        if key is not None and (auth, key) in self._replay:
            return web.json_response(self._replay[(auth, key)])
        obj = self._create(request.path, params)
        if key is not None:
            self._replay[(auth, key)] = obj
        self.objects.append(obj)
        return web.json_response(obj)

    def _create(self, path: str, params: dict[str, str]) -> dict[str, Any]:
        prefix, kind = _PREFIX[path]
        obj_id = f"{prefix}{next(self._ids):06d}"
        obj: dict[str, Any] = {"id": obj_id, "object": kind, "livemode": False}
        if kind == "checkout.session":
            obj["url"] = f"{self.url}/checkout/{obj_id}"
        if kind == "payment_intent":
            obj.update(
                client_secret=f"{obj_id}_secret_x",
                amount=int(params["amount"]),
                currency=params["currency"],
                status="requires_payment_method",
            )
        return obj


def _error(status: int, error_type: str, message: str) -> web.Response:
    return web.json_response({"error": {"type": error_type, "message": message}}, status=status)


async def checkout_page(request: web.Request) -> web.Response:
    """Where the browser lands: the stand-in for Stripe's hosted Checkout page."""
    return web.Response(text="<h1>Stripe Checkout (test stub)</h1>", content_type="text/html")


def stub_app(stub: StripeStub) -> web.Application:
    app = web.Application()
    for path in _PREFIX:
        app.router.add_post(path, stub.handle)
    app.router.add_get("/checkout/{id}", checkout_page)
    return app
