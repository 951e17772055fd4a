"""Request id, the one JSON error shape, and the access log, for every request."""

from __future__ import annotations

import re
import secrets
import time

import aiohttp_jinja2
import structlog
from aiohttp import web
from aiohttp.typedefs import Handler
from aiohttp.web_urldispatcher import SystemRoute

from payserv.context import METRICS
from payserv.database import translate_error
from payserv.errors import (
    BadRequestError,
    MethodNotAllowedError,
    NotFoundError,
    PayloadTooLargeError,
    PayservError,
    ServerError,
)
from payserv.metrics import route_label
from payserv.web import json_response

log = structlog.get_logger("payserv.http")

REQUEST_ID_HEADER = "X-Request-Id"
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:/+=-]{1,200}$")
_HTTP_ERRORS: dict[int, type[PayservError]] = {
    404: NotFoundError,
    405: MethodNotAllowedError,
    413: PayloadTooLargeError,
}


class _Throttle:
    """Allows one event per ``interval`` seconds and counts the ones it held back."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._last = -interval
        self._suppressed = 0

    def allow(self) -> bool:
        now = time.monotonic()
        if now - self._last >= self.interval:
            self._last = now
            return True
        self._suppressed += 1
        return False

    def take_suppressed(self) -> int:
        suppressed, self._suppressed = self._suppressed, 0
        return suppressed


_outage_log = _Throttle(interval=1.0)


@web.middleware
async def request_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Bind a request id, turn every error into DESIGN §2's shape, log the request."""
    given = request.headers.get(REQUEST_ID_HEADER, "")
    # 32 random hex digits, as uuid4().hex had, at a quarter of its cost.
    request_id = given if _VALID_REQUEST_ID.match(given) else secrets.token_hex(16)
    started = time.perf_counter()
    with structlog.contextvars.bound_contextvars(request_id=request_id):
        try:
            # Postgres text cannot hold NUL: an id with one names nothing, whatever the route.
            if any("\x00" in value for value in request.match_info.values()):
                raise NotFoundError()
            response = await handler(request)
        except web.HTTPException as exc:
            response = _http_exception(request, exc)
        except PayservError as exc:
            response = _error_response(request, exc)
        except Exception as exc:
            response = _error_response(request, _unexpected(request, exc))
        response.headers[REQUEST_ID_HEADER] = request_id
        _observe(request, response.status, time.perf_counter() - started)
        log.info(
            "http_request",
            method=request.method,
            path=request.path,
            status=response.status,
            duration_ms=round((time.perf_counter() - started) * 1000, 2),
        )
        return response


@web.middleware
async def trailing_slash_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """A GET or HEAD that matches no route only for its trailing slash is sent to the one that does.

    Like aiohttp's ``normalize_path_middleware`` in both directions, but never for other
    methods: a redirected POST would lose its body with many clients.
    """
    if request.method in ("GET", "HEAD") and _unrouted(request):
        other = await _other_slash_form(request)
        if other is not None:
            raise web.HTTPPermanentRedirect(other)
    return await handler(request)


def _unrouted(request: web.Request) -> bool:
    route = request.match_info.route
    error = getattr(request.match_info, "http_exception", None)
    return isinstance(route, SystemRoute) and getattr(error, "status", None) == 404


async def _other_slash_form(request: web.Request) -> str | None:
    """``request``'s path with its trailing slash added or removed, if a route takes that."""
    path, mark, query = request.raw_path.partition("?")
    if path == "/":
        return None
    other = path[:-1] if path.endswith("/") else path + "/"
    if other.startswith("//"):
        return None  # a protocol-relative Location would send the client to another host
    target = other + mark + query
    match = await request.app.router.resolve(request.clone(rel_url=target))
    return None if isinstance(match.route, SystemRoute) else target


def _observe(request: web.Request, status: int, seconds: float) -> None:
    metrics = request.app.get(METRICS)
    if metrics is None:
        return
    metrics.observe_request(request.method, route_label(request), status, seconds)


def _unexpected(request: web.Request, exc: Exception) -> PayservError:
    translated = translate_error(exc)
    if translated is not None:
        if _outage_log.allow():
            # One line per second at most: an outage must not flood the logs.
            log.warning(
                "request_failed",
                error_code=translated.code,
                error=str(exc),
                similar_suppressed=_outage_log.take_suppressed(),
            )
        return translated
    log.exception("unhandled_error", method=request.method, path=request.path)
    return ServerError()


def _http_exception(request: web.Request, exc: web.HTTPException) -> web.StreamResponse:
    if exc.status < 400:
        # A redirect is a response, not an error (returning the exception is deprecated).
        return web.Response(status=exc.status, headers=exc.headers, body=exc.body)
    error_class = _HTTP_ERRORS.get(exc.status, BadRequestError)
    description = None if exc.status in (404, 405) else exc.reason
    if exc.status == 413:
        description = "request body is too large"
    error = error_class(description)
    response = _error_response(request, error)
    if exc.status == 405 and "Allow" in exc.headers:
        response.headers["Allow"] = exc.headers["Allow"]
    return response


def _error_response(request: web.Request, error: PayservError) -> web.StreamResponse:
    if _is_page(request):
        response = aiohttp_jinja2.render_template(
            "error.html", request, {"error": error}, status=error.status
        )
    else:
        response = json_response(error.to_body(), status=error.status)
    response.headers.update(error.headers())
    return response


def _is_page(request: web.Request) -> bool:
    """HTML routes are named ``page.*``; they render an error page instead of JSON."""
    route = request.match_info.route
    name = route.name if route is not None else None
    return bool(name and name.startswith("page."))
