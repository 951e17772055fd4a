"""Users: scrypt password hashes and HS256 JWTs (DESIGN §3)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg
import jwt

from payserv.errors import AuthenticationError, BadRequestError
from payserv.fields import MAX_BIGINT, plain_int
from payserv.queries import query

_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1
MIN_PASSWORD_LENGTH = 8  # DESIGN §2
# A hash compared against when the user does not exist, so a missing username costs
# the same time as a wrong password.
_DUMMY_HASH = "scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$" + "A" * 44


@dataclass(frozen=True)
class User:
    """A user of the token-authenticated parts."""

    id: int
    username: str
    password_hash: str
    is_superuser: bool
    created_at: datetime


def hash_password(password: str) -> str:
    """``scrypt$n$r$p$salt$hash`` with a random 16-byte salt."""
    salt = secrets.token_bytes(16)
    digest = _scrypt(password, salt, _SCRYPT_N, _SCRYPT_R, _SCRYPT_P)
    return "$".join(
        ["scrypt", str(_SCRYPT_N), str(_SCRYPT_R), str(_SCRYPT_P), _b64(salt), _b64(digest)]
    )


def verify_password(password: str, stored: str) -> bool:
    """Constant-time check of ``password`` against a :func:`hash_password` value."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        actual = _scrypt(password, base64.b64decode(salt), int(n), int(r), int(p))
    except ValueError:
        return False
    return hmac.compare_digest(actual, base64.b64decode(digest))


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, dklen=32)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


async def create_user(
    conn: asyncpg.Connection, username: str, password: str, *, superuser: bool = False
) -> User:
    """Insert a user; the username must be new, the password at least 8 characters."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise BadRequestError(
            f"the password must be at least {MIN_PASSWORD_LENGTH} characters long",
            field="password",
        )
    password_hash = await asyncio.to_thread(hash_password, password)
    row = await conn.fetchrow(query("insert_user"), username, password_hash, superuser)
    return User(**dict(row))


async def get_user(conn: asyncpg.Connection, user_id: int) -> User | None:
    """The user with ``user_id``, if any."""
    row = await conn.fetchrow(query("get_user_by_id"), user_id)
    return User(**dict(row)) if row else None


async def check_credentials(conn: asyncpg.Connection, username: str, password: str) -> User | None:
    """The user when ``password`` is theirs, else None (same cost either way)."""
    row = await conn.fetchrow(query("get_user_by_username"), username)
    stored = row["password_hash"] if row else _DUMMY_HASH
    valid = await asyncio.to_thread(verify_password, password, stored)
    return User(**dict(row)) if row and valid else None


def issue_token(user: User, secret_key: str, ttl_seconds: int, now: datetime | None = None) -> str:
    """An HS256 JWT naming the user, valid for ``ttl_seconds``."""
    issued = now or datetime.now(UTC)
    claims = {
        "sub": str(user.id),
        "username": user.username,
        "iat": int(issued.timestamp()),
        "exp": int((issued + timedelta(seconds=ttl_seconds)).timestamp()),
    }
    return jwt.encode(claims, secret_key, algorithm="HS256")


def read_token(token: str, secret_key: str) -> int:
    """The user id in a valid, unexpired token; AuthenticationError otherwise."""
    try:
        claims = jwt.decode(
            token, secret_key, algorithms=["HS256"], options={"require": ["exp", "sub"]}
        )
    except jwt.ExpiredSignatureError:
        raise AuthenticationError("token has expired") from None
    except (jwt.InvalidTokenError, ValueError):
        raise AuthenticationError("invalid token") from None
    # A signed token can still carry a sub no users.id holds (out of bigint range): no user.
    sub = claims["sub"]
    user_id = plain_int(sub, maximum=MAX_BIGINT) if isinstance(sub, str) else None
    if not user_id:
        raise AuthenticationError("invalid token")
    return user_id
