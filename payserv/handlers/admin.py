"""``/admin/``: a read-only view of the shop for a logged-in superuser (cookie session)."""

from __future__ import annotations

from typing import Any

import aiohttp_jinja2
import asyncpg
from aiohttp import web

from payserv.context import POOL, SETTINGS
from payserv.errors import AuthenticationError
from payserv.queries import query
from payserv.users import User, check_credentials, get_user, issue_token, read_token

COOKIE = "payserv_admin"
_LIMIT = 100
_TABLES: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("items", "Items", "shop_list_items", ("id", "name", "price", "currency", "created_at")),
    (
        "orders",
        "Orders",
        "shop_list_orders",
        ("id", "currency", "discount_id", "paid", "created_at"),
    ),
    (
        "discounts",
        "Discounts",
        "shop_list_discounts",
        ("id", "name", "percent_off", "amount_off", "currency", "created_at"),
    ),
    ("taxes", "Taxes", "shop_list_taxes", ("id", "name", "percentage", "inclusive", "created_at")),
    (
        "purchases",
        "Stripe purchases",
        "shop_list_purchases",
        ("id", "reference", "kind", "stripe_id", "amount", "currency", "status", "paid_at"),
    ),
)


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
        tables = [await _table(conn, *spec) for spec in _TABLES]
    return aiohttp_jinja2.render_template(
        "admin/index.html", request, {"user": user, "tables": tables}
    )


async def _table(
    conn: asyncpg.Connection, slug: str, title: str, name: str, columns: tuple[str, ...]
) -> dict[str, Any]:
    rows = await conn.fetch(query(name), _LIMIT, 0)
    return {
        "slug": slug,
        "title": title,
        "columns": columns,
        "rows": [[row[column] for column in columns] for row in rows],
    }


async def admin_login(request: web.Request) -> web.StreamResponse:
    """Form login: a superuser gets an HttpOnly, SameSite=Strict cookie holding a user JWT."""
    form = await request.post()
    username, password = form.get("username"), form.get("password")
    user = None
    if isinstance(username, str) and isinstance(password, str) and username and password:
        async with request.app[POOL].acquire() as conn:
            user = await check_credentials(conn, username[:150], password[:1024])
    if user is None or not user.is_superuser:
        return aiohttp_jinja2.render_template(
            "admin/login.html",
            request,
            {"error": "Wrong username or password, or not a superuser."},
            status=400,
        )
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
