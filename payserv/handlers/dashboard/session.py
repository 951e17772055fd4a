"""Dashboard login, logout and the session every other dashboard page requires."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp_jinja2
from aiohttp import web
from multidict import MultiDictProxy

from payserv.context import POOL, SETTINGS
from payserv.errors import BadRequestError, TooManyRequestsError
from payserv.gateway import sessions
from payserv.gateway.merchants import Merchant

COOKIE = "payserv_dashboard"
LOGIN_PATH = "/dashboard/login"
MerchantHandler = Callable[[web.Request, Merchant], Awaitable[web.StreamResponse]]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def see_other(location: str) -> web.Response:
    """A plain 303 (raising HTTPException from a handler skips the page middlewares' care)."""
    return web.Response(status=303, headers={"Location": location})


async def current_merchant(request: web.Request) -> Merchant | None:
    """The merchant of the request's live session cookie, if any."""
    session_id = request.cookies.get(COOKIE)
    if not session_id or not session_id.isascii() or len(session_id) > 100:
        return None
    async with request.app[POOL].acquire() as conn:
        return await sessions.session_merchant(conn, session_id)


def merchant_page(
    handler: MerchantHandler,
) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """The handler with the session's merchant; no session: 303 to the login page."""

    @functools.wraps(handler)
    async def with_merchant(request: web.Request) -> web.StreamResponse:
        merchant = await current_merchant(request)
        if merchant is None:
            return see_other(LOGIN_PATH)
        return await handler(request, merchant)

    return with_merchant


def render(
    request: web.Request,
    template: str,
    merchant: Merchant | None,
    context: dict[str, Any],
    status: int = 200,
) -> web.Response:
    """A dashboard template; every page knows its merchant (the nav shows the email)."""
    response = aiohttp_jinja2.render_template(
        f"dashboard/{template}",
        request,
        {"merchant": merchant, "path": request.path, **context},
        status=status,
    )
    response.headers["Cache-Control"] = "no-store"  # pages may show a new secret once
    return response


async def form_fields(request: web.Request) -> MultiDictProxy[Any]:
    """The POSTed form; a body that is not a decodable form is a 400."""
    try:
        return await request.post()
    except (ValueError, LookupError):
        raise BadRequestError("the form could not be read") from None


def text_field(form: MultiDictProxy[Any], name: str, max_length: int = 2048) -> str:
    """A text field as typed (empty when missing); NUL bytes and overlong values are a 400."""
    value = form.get(name, "")
    if not isinstance(value, str) or "\x00" in value or len(value) > max_length:
        raise BadRequestError(f"{name} is not a valid value", field=name)
    return value


async def login_page(request: web.Request) -> web.StreamResponse:
    """``GET /dashboard/login``: the form (or the dashboard, when already logged in)."""
    if await current_merchant(request) is not None:
        return see_other("/dashboard")
    return _login_form(request, None, 200)


async def login(request: web.Request) -> web.StreamResponse:
    """``POST /dashboard/login``: a new session (a fresh id) for the right email and password."""
    form = await form_fields(request)
    email, password = text_field(form, "email", 254), text_field(form, "password", 1024)
    if not email or not password:
        return _login_form(request, "Enter your email and your dashboard password.", 400, email)
    try:
        async with request.app[POOL].acquire() as conn:
            merchant_id = await sessions.login(conn, email, password)
            if merchant_id is None:
                return _login_form(request, "Wrong email or password.", 400, email)
            session_id = await sessions.start_session(conn, merchant_id, _old_session(request))
    except TooManyRequestsError as exc:
        minutes = -(-exc.retry_after // 60)
        message = f"Too many failed logins for this email: try again in {minutes} min."
        response = _login_form(request, message, 429, email)
        response.headers.update(exc.headers())
        return response
    response = see_other("/dashboard")
    _set_session_cookie(request, response, session_id)
    return response


def _old_session(request: web.Request) -> str | None:
    old = request.cookies.get(COOKIE)
    return old if old and old.isascii() and len(old) <= 100 else None


def _set_session_cookie(request: web.Request, response: web.Response, session_id: str) -> None:
    secure = request.app[SETTINGS].cookie_secure or request.secure
    response.set_cookie(
        COOKIE,
        session_id,
        max_age=sessions.SESSION_TTL_SECONDS,
        path="/dashboard",
        httponly=True,
        samesite="Strict",
        secure=secure,
    )


def _login_form(
    request: web.Request, error: str | None, status: int, email: str = ""
) -> web.Response:
    return render(request, "login.html", None, {"error": error, "email": email}, status)


async def logout(request: web.Request) -> web.StreamResponse:
    """``POST /dashboard/logout``: the session ends server-side, not only in this browser."""
    session_id = _old_session(request)
    if session_id:
        async with request.app[POOL].acquire() as conn:
            await sessions.end_session(conn, session_id)
    response = see_other(LOGIN_PATH)
    response.del_cookie(COOKIE, path="/dashboard")
    return response
