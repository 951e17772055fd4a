"""Request authentication for user-token endpoints (DESIGN §3)."""

from __future__ import annotations

from aiohttp import web

from payserv.context import POOL, SETTINGS
from payserv.errors import AuthenticationError, NotFoundError
from payserv.users import User, get_user, read_token

_SCHEMES = ("token", "bearer")


def bearer_token(request: web.Request) -> str:
    """The token of ``Authorization: Token <t>`` or ``Bearer <t>``."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() not in _SCHEMES or not token.strip():
        raise AuthenticationError("Authorization: Token <token> or Bearer <token> is required")
    return token.strip()


async def require_user(request: web.Request) -> User:
    """The authenticated user; 401 for a missing, bad, expired or orphaned token."""
    settings = request.app[SETTINGS]
    assert settings.secret_key is not None
    user_id = read_token(bearer_token(request), settings.secret_key)
    async with request.app[POOL].acquire() as conn:
        user = await get_user(conn, user_id)
    if user is None:
        raise AuthenticationError("invalid token")
    return user


async def require_superuser(request: web.Request) -> User:
    """A superuser; other users get 404, as if the admin resource did not exist."""
    user = await require_user(request)
    if not user.is_superuser:
        raise NotFoundError()
    return user
