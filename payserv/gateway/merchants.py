"""Merchants of the gateway: API credentials, the seeded test merchant (DESIGN §3, §4)."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
from yarl import URL

from payserv.errors import AuthenticationError, BadRequestError, PayservError
from payserv.fields import is_utf8
from payserv.gateway.outbound import url_refusal, valid_host
from payserv.gateway.rows import from_row
from payserv.gateway.signing import generate_webhook_secret
from payserv.queries import query
from payserv.secretbox import open_sealed, seal
from payserv.settings import Settings
from payserv.users import hash_password

TEST_MERCHANT_ID = uuid.UUID("550e8400-e29b-41d4-a716-446655440000")
TEST_MERCHANT_EMAIL = "test@example.com"
TEST_API_KEY = "key_test_abc123"
TEST_API_SECRET = "secret_test_xyz789"  # noqa: S105 - the documented test credential
TEST_WEBHOOK_SECRET = "whsec_test_abc123"  # noqa: S105 - the documented test credential
TEST_DASHBOARD_PASSWORD = "password_test_abc123"  # noqa: S105 - the documented test credential
MAX_URL_LENGTH = 2048
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_BLANK = re.compile(r"[\x00-\x20\x7f\s]")


@dataclass(frozen=True)
class Merchant:
    """A merchant row; the webhook secret stays sealed until a delivery needs it."""

    id: uuid.UUID
    email: str
    api_key: str
    api_secret_hash: bytes
    webhook_secret_encrypted: bytes
    webhook_url: str | None
    created_at: datetime
    updated_at: datetime

    def webhook_secret(self, secret_key: str) -> str:
        """The merchant's webhook signing secret, in clear."""
        return open_sealed(self.webhook_secret_encrypted, secret_key)


@dataclass(frozen=True)
class MerchantCredentials:
    """What ``createmerchant`` prints once; the secrets are never shown again."""

    id: uuid.UUID
    email: str
    api_key: str
    api_secret: str
    webhook_secret: str

    def to_json(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "email": self.email,
            "api_key": self.api_key,
            "api_secret": self.api_secret,
            "webhook_secret": self.webhook_secret,
        }


def hash_api_secret(api_secret: str) -> bytes:
    """SHA-256 of a (high-entropy, random) API secret."""
    return hashlib.sha256(api_secret.encode()).digest()


async def insert_merchant(
    conn: asyncpg.Connection,
    credentials: MerchantCredentials,
    *,
    webhook_url: str | None,
    secret_key: str,
) -> Merchant | None:
    """Insert a merchant with these credentials; None if its id already exists."""
    row = await conn.fetchrow(
        query("gateway_insert_merchant"),
        credentials.id,
        credentials.email,
        credentials.api_key,
        hash_api_secret(credentials.api_secret),
        seal(credentials.webhook_secret, secret_key),
        webhook_url,
    )
    return from_row(Merchant, row) if row else None


def new_credentials(email: str) -> MerchantCredentials:
    """Fresh random credentials for ``createmerchant``."""
    return MerchantCredentials(
        id=uuid.uuid4(),
        email=email,
        api_key="key_" + secrets.token_urlsafe(18),
        api_secret="secret_" + secrets.token_urlsafe(32),
        webhook_secret=generate_webhook_secret(),
    )


async def ensure_test_merchant(conn: asyncpg.Connection, settings: Settings) -> None:
    """Seed DESIGN §3's test merchant in test mode or on the embedded database."""
    if not settings.seeds_test_merchant:
        return
    assert settings.secret_key is not None
    credentials = MerchantCredentials(
        TEST_MERCHANT_ID, TEST_MERCHANT_EMAIL, TEST_API_KEY, TEST_API_SECRET, TEST_WEBHOOK_SECRET
    )
    url = settings.test_merchant_webhook_url
    created = await insert_merchant(
        conn, credentials, webhook_url=url, secret_key=settings.secret_key
    )
    if created is not None:
        password_hash = await asyncio.to_thread(hash_password, TEST_DASHBOARD_PASSWORD)
        await conn.execute(
            query("gateway_set_dashboard_password"), TEST_MERCHANT_EMAIL, password_hash
        )
    elif url is not None:
        # TEST_MERCHANT_WEBHOOK_URL applies on every start, not only the first one.
        await set_webhook_url(conn, TEST_MERCHANT_ID, url)


async def set_webhook_url(
    conn: asyncpg.Connection, merchant_id: uuid.UUID, url: str | None
) -> Merchant:
    """Point the merchant's webhooks at ``url`` (None stops them)."""
    row = await conn.fetchrow(query("gateway_set_merchant_webhook_url"), merchant_id, url)
    return from_row(Merchant, row)


async def get_merchant(conn: asyncpg.Connection, merchant_id: uuid.UUID) -> Merchant | None:
    """The merchant with this id, if any."""
    row = await conn.fetchrow(query("gateway_merchant_by_id"), merchant_id)
    return from_row(Merchant, row) if row else None


def check_credentials(api_key: str, api_secret: str) -> None:
    """401 unless both credentials are given as UTF-8 text (no database needed to tell)."""
    if not api_key or not api_secret:
        raise AuthenticationError("X-Api-Key and X-Api-Secret headers are required")
    if not (is_utf8(api_key) and is_utf8(api_secret)):
        # Bytes that are not UTF-8 name no merchant, and could be neither hashed nor queried.
        raise AuthenticationError("Invalid API credentials")


async def authenticate(conn: asyncpg.Connection, api_key: str, api_secret: str) -> Merchant:
    """The merchant of these API credentials; 401 otherwise (constant-time check)."""
    check_credentials(api_key, api_secret)
    row = await conn.fetchrow(query("gateway_merchant_by_api_key"), api_key)
    require_secret(hash_api_secret(api_secret), row["api_secret_hash"] if row else None)
    assert row is not None  # require_secret raised otherwise
    return from_row(Merchant, row)


_NO_MERCHANT_HASH = hashlib.sha256(b"no such merchant").digest()


def require_secret(given: bytes, stored: bytes | None) -> None:
    """401 unless ``given`` (a secret's hash) is the ``stored`` one (None: no such key).

    Compared in constant time; an unknown key still costs one comparison, so timing does
    not tell keys apart.
    """
    matches = hmac.compare_digest(given, stored if stored is not None else _NO_MERCHANT_HASH)
    if not matches or stored is None:
        raise AuthenticationError("Invalid API credentials")


async def parse_webhook_url(value: Any, *, allow_private: bool) -> str | None:
    """An absolute http(s) URL with a valid host, or None to stop deliveries (DESIGN §2).

    Unless ``allow_private``, a host that is or resolves to a loopback, private, link-local,
    multicast, reserved or unspecified address is refused.
    """
    if value is None:
        return None
    if not isinstance(value, str) or not 0 < len(value) <= MAX_URL_LENGTH:
        raise BadRequestError(
            f"webhook_url must be a URL of at most {MAX_URL_LENGTH} characters", field="webhook_url"
        )
    try:
        # yarl silently drops tabs and newlines (WHATWG); a URL as written has no blanks at all.
        url = None if _BLANK.search(value) else URL(value)
    except ValueError:
        url = None
    if url is None or url.scheme not in ("http", "https") or not valid_host(url):
        raise BadRequestError(
            "webhook_url must be an absolute http(s) URL with a valid host name",
            field="webhook_url",
        )
    reason = None if allow_private else await url_refusal(url)
    if reason is not None:
        raise BadRequestError(
            f"webhook_url must point at a public address: {reason}", field="webhook_url"
        )
    return value


def parse_email(value: str) -> str:
    """A plausible e-mail address (at most 254 characters)."""
    if len(value) > 254 or not _EMAIL.fullmatch(value):
        raise BadRequestError("email must be an e-mail address", field="email")
    return value


async def create_merchant(
    conn: asyncpg.Connection,
    email: str,
    webhook_url: str | None,
    secret_key: str,
    *,
    allow_private_urls: bool = False,
) -> MerchantCredentials:
    """A new merchant with fresh credentials (shown once by ``createmerchant``)."""
    credentials = new_credentials(parse_email(email))
    url = await parse_webhook_url(webhook_url, allow_private=allow_private_urls)
    try:
        await insert_merchant(conn, credentials, webhook_url=url, secret_key=secret_key)
    except asyncpg.UniqueViolationError:
        raise PayservError(f"a merchant with email {email!r} already exists") from None
    return credentials
