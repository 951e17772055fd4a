"""A small Stripe-compatible HTTP server for the shop tests (stand-in until tests/fakes lands).

Form-encoded requests, ``Authorization: Bearer``, ``Idempotency-Key`` replay (per API key: the
same key answers the same object, also to a request that arrives while the first is still being
answered; other parameters under a used key are Stripe's 400 ``idempotency_error``),
Stripe-shaped objects and error bodies, injected failures, and answers held back on demand.
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
    held: dict[str, asyncio.Event] = field(default_factory=dict)
    _arrived: asyncio.Condition = field(default_factory=asyncio.Condition)
    _replay: dict[tuple[str, str], tuple[dict[str, str], dict[str, Any]]] = field(
        default_factory=dict
    )
    _key_locks: dict[tuple[str, str], asyncio.Lock] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def fail_next(self, status: int, error_type: str | None = "api_error", times: int = 1) -> None:
        """The next ``times`` requests answer ``status`` with a Stripe error body."""
        self.failures.extend([(status, error_type)] * times)

    def hold(self, path: str) -> asyncio.Event:
        """Requests to ``path`` are recorded but not answered until the returned event is set."""
        gate = self.held[path] = asyncio.Event()
        return gate

    async def wait_for_calls(self, path: str, count: int) -> None:
        """Until ``count`` requests to ``path`` have arrived (answered or not)."""
        async with self._arrived:
            await self._arrived.wait_for(lambda: len(self.calls(path)) >= count)

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
        async with self._arrived:
            self.requests.append(Recorded(request.path, params, auth[7:], key))
            self._arrived.notify_all()
        if self.delay:
            await asyncio.sleep(self.delay)
        if request.path in self.held:
            await self.held[request.path].wait()
        if self.failures:
            status, error_type = self.failures.pop(0)
            return _error(status, error_type or "api_error", "injected failure")
        if key is None:
            return self._created(request.path, params)
        # Stripe answers a request racing one with the same key only once the first is done
        # (with 409, which the client retries); waiting here gives the same end result.
        async with self._key_locks.setdefault((auth, key), asyncio.Lock()):
            return self._idempotent(request.path, params, (auth, key))

    def _idempotent(
        self, path: str, params: dict[str, str], scope: tuple[str, str]
    ) -> web.Response:
        if scope in self._replay:
            first_params, obj = self._replay[scope]
            if first_params != params:
                return _error(
                    400,
                    "idempotency_error",
                    "Keys for idempotent requests can only be used with the same parameters "
                    "they were first used with.",
                )
            return web.json_response(obj, headers={"Idempotent-Replayed": "true"})
        response = self._created(path, params)
        self._replay[scope] = (params, self.objects[-1])
        return response

    def _created(self, path: str, params: dict[str, str]) -> web.Response:
        obj = self._create(path, params)
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
