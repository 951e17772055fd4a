"""Gateway orders (DESIGN §4): what a merchant expects to be paid, and its status."""

from __future__ import annotations

import re
import secrets
import string
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
import structlog

from payserv.errors import BadRequestError
from payserv.fields import isoformat, require_int, require_str
from payserv.gateway import merchants
from payserv.gateway.rows import fetch_one, fetch_page, from_row
from payserv.listing import Listing, Page, PageRequest
from payserv.queries import query

log = structlog.get_logger(__name__)

_ID_ALPHABET = string.ascii_letters + string.digits
_CURRENCY = re.compile(r"^[A-Za-z]{3}$")
MIN_AMOUNT = 100
MAX_NOTES_KEYS = 15
MAX_RECEIPT_LENGTH = 40


# Bytes below this map to the 62 characters evenly (248 = 4 × 62); the rest are skipped.
_UNBIASED_BELOW = 256 - 256 % len(_ID_ALPHABET)


def new_id(prefix: str) -> str:
    """``prefix`` + 16 characters of ``[A-Za-z0-9]`` from a CSPRNG, uniformly.

    One read of 32 random bytes (not 16 ``secrets.choice`` calls, a system call each: a
    twentieth of an order's CPU); a byte ≥ 248 is skipped so that no character is likelier.
    """
    chars: list[str] = []
    while len(chars) < 16:
        random_bytes = secrets.token_bytes(32)
        chars += [_ID_ALPHABET[b % len(_ID_ALPHABET)] for b in random_bytes if b < _UNBIASED_BELOW]
    return prefix + "".join(chars[:16])


@dataclass(frozen=True)
class Order:
    """A row of ``gateway_orders``."""

    id: str
    merchant_id: uuid.UUID
    amount: int
    currency: str
    receipt: str | None
    notes: dict[str, Any]
    status: str
    created_at: datetime
    updated_at: datetime

    def to_json(self) -> dict[str, Any]:
        """The public JSON of the order (the seed's shape)."""
        return {
            "id": self.id,
            "merchant_id": str(self.merchant_id),
            "amount": self.amount,
            "currency": self.currency,
            "receipt": self.receipt,
            "notes": self.notes,
            "status": self.status,
            "created_at": isoformat(self.created_at),
            "updated_at": isoformat(self.updated_at),
        }


@dataclass(frozen=True)
class NewOrder:
    """A validated ``POST /api/v1/orders`` body."""

    amount: int
    currency: str
    receipt: str | None
    notes: dict[str, Any]


def parse_new_order(body: dict[str, Any]) -> NewOrder:
    """Validate an order body (400 naming the field at fault)."""
    amount = require_int(body, "amount", minimum=MIN_AMOUNT)
    return NewOrder(
        amount=amount,
        currency=parse_currency(body.get("currency", "INR")),
        receipt=require_str(body, "receipt", max_length=MAX_RECEIPT_LENGTH, required=False),
        notes=parse_notes(body.get("notes")),
    )


def parse_currency(value: Any) -> str:
    """Three ASCII letters, returned upper-case."""
    if not isinstance(value, str) or not _CURRENCY.match(value):
        raise BadRequestError("currency must be a 3-letter ISO 4217 code", field="currency")
    return value.upper()


def parse_notes(value: Any) -> dict[str, Any]:
    """A JSON object of at most 15 keys (absent or null: ``{}``)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise BadRequestError("notes must be a JSON object", field="notes")
    if len(value) > MAX_NOTES_KEYS:
        raise BadRequestError(f"notes may have at most {MAX_NOTES_KEYS} keys", field="notes")
    return value


async def create_order(conn: asyncpg.Connection, merchant_id: uuid.UUID, new: NewOrder) -> Order:
    """Insert an order in status ``created``."""
    row = await conn.fetchrow(
        query("gateway_insert_order"),
        new_id("order_"),
        merchant_id,
        new.amount,
        new.currency,
        new.receipt,
        new.notes,
    )
    return _created(row)


async def create_order_for_key(
    conn: asyncpg.Connection, api_key: str, api_secret: str, new: NewOrder
) -> Order:
    """:func:`create_order` for the merchant of these API credentials, in one statement.

    Authentication and insert share the round trip (the one the order path spends most
    on after the HTTP itself); 401 as :func:`merchants.authenticate` answers.
    """
    merchants.check_credentials(api_key, api_secret)
    given = merchants.hash_api_secret(api_secret)
    row = await conn.fetchrow(
        query("gateway_insert_order_for_key"),
        api_key,
        given,
        new_id("order_"),
        new.amount,
        new.currency,
        new.receipt,
        new.notes,
    )
    merchants.require_secret(given, row["api_secret_hash"] if row else None)
    assert row is not None and row["id"] is not None  # the hashes matched: it was inserted
    return _created(row)


def _created(row: asyncpg.Record) -> Order:
    order = from_row(Order, row)
    log.info(
        "order_created", order_id=order.id, merchant_id=str(order.merchant_id), amount=order.amount
    )
    return order


async def get_order(conn: asyncpg.Connection, merchant_id: uuid.UUID, order_id: str) -> Order:
    """The merchant's order, or 404 (also for another merchant's order)."""
    return await fetch_one(
        conn, Order, "gateway_order_by_id", order_id, merchant_id, missing="order not found"
    )


ORDERS = Listing("gateway_list_orders", "gateway_order_cursor", "gateway_orders")


async def list_orders(
    conn: asyncpg.Connection, merchant_id: uuid.UUID, asked: PageRequest
) -> Page[Order]:
    """One page of the merchant's orders, newest first, and their total."""
    return await fetch_page(conn, Order, ORDERS, asked, merchant_id, owner=str(merchant_id))
