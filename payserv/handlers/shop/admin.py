"""``/admin/``: a read-only view of the shop for a logged-in superuser (cookie session)."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from payserv.context import POOL, SETTINGS
from payserv.errors import AuthenticationError, TooManyRequestsError
from payserv.login_throttle import login
from payserv.shop.overview import shop_tables
from payserv.users import User, get_user, issue_token, read_token

COOKIE = "payserv_admin"


async def _cookie_user(request: web.Request) -> User | None:
    token = request.cookies.get(COOKIE)
    secret = request.app[SETTINGS].secret_key
    if not token or secret is None:
        return None
    try:
        user_id = read_token(token, secret)
    except AuthenticationError:
        return None
    async with request.app[POOL].acquire() as conn:
        user = await get_user(conn, user_id)
    return user if user is not None and user.is_superuser else None


async def admin_index(request: web.Request) -> web.StreamResponse:
    """The tables for a logged-in superuser, else the login form."""
    user = await _cookie_user(request)
    if user is None:
        return aiohttp_jinja2.render_template("admin/login.html", request, {"error": None})
    async with request.app[POOL].acquire() as conn:
        tables = await shop_tables(conn)
    return aiohttp_jinja2.render_template(
        "admin/index.html", request, {"user": user, "tables": tables}
    )


async def admin_login(request: web.Request) -> web.StreamResponse:
    """Form login: a superuser gets an HttpOnly, SameSite=Strict cookie holding a user JWT."""
    fields = await _login_fields(request)
    if fields is None:
        return _login_page(request, "Enter a username and a password (plain text).", 400)
    try:
        async with request.app[POOL].acquire() as conn:
            user = await login(conn, *fields)
    except TooManyRequestsError as exc:
        minutes = -(-exc.retry_after // 60)
        message = f"Too many failed logins for this username: try again in {minutes} min."
        return _login_page(request, message, 429, {"Retry-After": str(exc.retry_after)})
    if user is None or not user.is_superuser:
        return _login_page(request, "Wrong username or password, or not a superuser.", 400)
    settings = request.app[SETTINGS]
    assert settings.secret_key is not None
    response = _see_other("/admin/")
    response.set_cookie(
        COOKIE,
        issue_token(user, settings.secret_key, settings.token_ttl_seconds),
        max_age=settings.token_ttl_seconds,
        path="/admin",
        httponly=True,
        samesite="Strict",
        secure=request.secure,
    )
    return response


async def _login_fields(request: web.Request) -> tuple[str, str] | None:
    """Username and password, or None when the form is unusable (not UTF-8, NUL, missing)."""
    try:
        form = await request.post()
    except (ValueError, LookupError):  # undecodable body or an unknown charset
        return None
    username, password = form.get("username"), form.get("password")
    if not (isinstance(username, str) and isinstance(password, str) and username and password):
        return None
    # Postgres text cannot hold NUL; no real username or password has one.
    if "\x00" in username or "\x00" in password:
        return None
    return username[:150], password[:1024]


def _login_page(
    request: web.Request, error: str, status: int, headers: dict[str, str] | None = None
) -> web.Response:
    response = aiohttp_jinja2.render_template(
        "admin/login.html", request, {"error": error}, status=status
    )
    response.headers.update(headers or {})
    return response


def _see_other(location: str) -> web.Response:
    # A plain 303 response: returning an HTTPException from a middleware is deprecated.
    return web.Response(status=303, headers={"Location": location})


async def admin_redirect(request: web.Request) -> web.StreamResponse:
    """``/admin`` → ``/admin/``."""
    return _see_other("/admin/")


async def admin_logout(request: web.Request) -> web.StreamResponse:
    """Forget the admin cookie."""
    response = _see_other("/admin/")
    response.del_cookie(COOKIE, path="/admin")
    return response
