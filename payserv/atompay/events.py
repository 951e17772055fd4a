"""Events users pay for through AtomPay (DESIGN §8); the fee is every payment's amount."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import asyncpg

from payserv.fields import isoformat
from payserv.listing import Listing, Page, PageRequest, bigint_id, fetch_page
from payserv.queries import query

EVENT_KINDS = ("solo", "team")

# (name, fee, kind) of `python run.py seed`: at least one of each kind.
DEMO_EVENTS = (
    ("Solo Singing", Decimal("150.00"), "solo"),
    ("Coding Sprint", Decimal("99.50"), "solo"),
    ("Robo Wars", Decimal("500.00"), "team"),
)


@dataclass(frozen=True)
class Event:
    """An event and its fee in INR."""

    id: int
    name: str
    fee: Decimal
    kind: str
    created_at: datetime

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "fee": f"{self.fee:.2f}",
            "kind": self.kind,
            "created_at": isoformat(self.created_at),
        }


async def create_event(conn: asyncpg.Connection, name: str, fee: Decimal, kind: str) -> Event:
    """Insert an event."""
    row = await conn.fetchrow(query("atompay_insert_event"), name, fee, kind)
    return Event(**dict(row))


async def get_event(conn: asyncpg.Connection, event_id: int) -> Event | None:
    """The event with ``event_id``, if any."""
    row = await conn.fetchrow(query("atompay_event_by_id"), event_id)
    return Event(**dict(row)) if row else None


EVENTS = Listing("atompay_list_events", "atompay_event_cursor", "events", bigint_id)


async def list_events(conn: asyncpg.Connection, asked: PageRequest) -> Page[Event]:
    """A page of events, newest first, and the total count."""
    page = await fetch_page(conn, EVENTS, asked)
    return page.map(lambda row: Event(**dict(row)))


async def seed_demo_events(conn: asyncpg.Connection) -> list[str]:
    """Create the demo events that are missing; one line per event created."""
    lines = []
    for name, fee, kind in DEMO_EVENTS:
        row = await conn.fetchrow(query("atompay_insert_event_if_missing"), name, fee, kind)
        if row is not None:
            lines.append(f"atompay: event {row['id']} {name!r} ({kind}, INR {fee})")
    return lines
