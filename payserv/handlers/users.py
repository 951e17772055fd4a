"""``POST /users/token/``: exchange a username and password for a JWT."""

from __future__ import annotations

from aiohttp import web

from payserv.auth import require_user
from payserv.context import POOL, SETTINGS
from payserv.errors import BadRequestError
from payserv.fields import require_str
from payserv.login_throttle import login
from payserv.users import issue_token
from payserv.web import json_response, read_json_object


async def issue_user_token(request: web.Request) -> web.Response:
    """200 ``{"token"}``; bad credentials are a 400, too many of them a 429 (DESIGN §3)."""
    body = await read_json_object(request)
    username = require_str(body, "username", max_length=150)
    password = require_str(body, "password", max_length=1024)
    # Too many failures raise TooManyRequestsError: a 429 with Retry-After.
    async with request.app[POOL].acquire() as conn:
        user = await login(conn, username, password)
    if user is None:
        raise BadRequestError("unable to log in with the provided credentials")
    settings = request.app[SETTINGS]
    assert settings.secret_key is not None
    return json_response(
        {"token": issue_token(user, settings.secret_key, settings.token_ttl_seconds)}
    )


async def current_user(request: web.Request) -> web.Response:
    """``GET /users/me/``: who the token belongs to (handy to check a token)."""
    user = await require_user(request)
    return json_response(
        {"id": user.id, "username": user.username, "is_superuser": user.is_superuser}
    )
