"""Organization balances and their ledger, read by INN (DESIGN §5)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from payserv.errors import NotFoundError
from payserv.fields import isoformat
from payserv.listing import Listing, Page, PageRequest, bigint_id, fetch_page
from payserv.queries import query


@dataclass(frozen=True)
class Balance:
    """An organization's current balance."""

    inn: str
    balance: int

    def to_json(self) -> dict[str, Any]:
        return {"inn": self.inn, "balance": self.balance}


@dataclass(frozen=True)
class LedgerEntry:
    """One credit in an organization's balance log."""

    id: int
    operation_id: uuid.UUID
    delta: int
    balance_after: int
    created_at: datetime

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "operation_id": str(self.operation_id),
            "delta": self.delta,
            "balance_after": self.balance_after,
            "created_at": isoformat(self.created_at),
        }


async def get_balance(conn: asyncpg.Connection, inn: str) -> Balance:
    """The balance of organization ``inn``, else a 404."""
    row = await conn.fetchrow(query("bank_get_balance"), inn)
    if row is None:
        raise NotFoundError("no organization with this INN")
    return Balance(**dict(row))


LEDGER = Listing("bank_balance_log_page", "bank_balance_log_cursor", "bank_balance_log", bigint_id)


async def list_ledger(conn: asyncpg.Connection, inn: str, asked: PageRequest) -> Page[LedgerEntry]:
    """One page of organization ``inn``'s ledger, newest first, and its total; 404 if unknown."""
    await get_balance(conn, inn)
    page = await fetch_page(conn, LEDGER, asked, inn, owner=inn)
    return page.map(lambda row: LedgerEntry(**dict(row)))
