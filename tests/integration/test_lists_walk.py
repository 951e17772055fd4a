"""Every list endpoint (DESIGN §2): ``starting_after`` walks the same list as ``offset``.

Rows are inserted with SQL (several per instant, so ties are ordered by insertion), the list
is read over HTTP: the cursor walk and the offset walk give the same ids in the same order,
``has_more`` is false exactly on the last page, ``total`` is exact, another owner's id or a
malformed one is a 404 or 400 (never a 500).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from payserv.gateway.merchants import TEST_MERCHANT_ID, create_merchant
from tests.conftest import TEST_SECRET_KEY, AppFactory, UserFactory
from tests.integration.gateway.conftest import MERCHANT

Client = TestClient[web.Request, web.Application]
ROWS = 25  # five full pages of 5: the last page is full and still says has_more false
INN, OTHER_INN = "7707083893", "5001012290"


@dataclass
class World:
    """The owners of one test: merchants, users, their headers, one payment per merchant."""

    db: asyncpg.Connection
    other_merchant: uuid.UUID
    other_headers: dict[str, str]
    user_id: int
    user_headers: dict[str, str]
    other_user_id: int


Fill = Callable[[World], Awaitable[str | None]]  # inserts ROWS for the owner; another's id


@dataclass(frozen=True)
class Case:
    path: str
    fill: Fill
    gateway: bool = True
    array: bool = False  # the polling list keeps the seed's shape (a plain array)


# A tie every three rows: created_at steps back one second every third row.
STEP = "now() - (g / 3) * interval '1 second'"


async def _orders(w: World, merchant: uuid.UUID, prefix: str, count: int) -> None:
    await w.db.execute(
        "INSERT INTO gateway_orders (id, merchant_id, amount, currency, created_at) "
        f"SELECT $2 || g, $1, 1000, 'INR', {STEP} FROM generate_series(1, $3) g",
        merchant,
        prefix,
        count,
    )


async def fill_orders(w: World) -> str:
    await _orders(w, TEST_MERCHANT_ID, "order_t", ROWS)
    await _orders(w, w.other_merchant, "order_o", 1)
    return "order_o1"


async def _payments(w: World, merchant: uuid.UUID, prefix: str, count: int) -> None:
    await _orders(w, merchant, f"order_{prefix}", 1)
    await w.db.execute(
        "INSERT INTO gateway_payments (id, merchant_id, order_id, amount, currency, method, "
        f"status, created_at) SELECT $2 || g, $1, $3, 1000, 'INR', 'upi', 'success', {STEP} "
        "FROM generate_series(1, $4) g",
        merchant,
        f"pay_{prefix}",
        f"order_{prefix}1",
        count,
    )


async def fill_payments(w: World) -> str:
    await _payments(w, TEST_MERCHANT_ID, "t", ROWS)
    await _payments(w, w.other_merchant, "o", 1)
    return "pay_o1"


async def fill_refunds(w: World) -> str:
    await _payments(w, TEST_MERCHANT_ID, "t", 2)
    await _payments(w, w.other_merchant, "o", 1)
    sql = (
        "INSERT INTO gateway_refunds (id, merchant_id, payment_id, amount, created_at) "
        f"SELECT $2 || g, $1, $3, 1, {STEP} FROM generate_series(1, $4) g"
    )
    await w.db.execute(sql, TEST_MERCHANT_ID, "rfnd_t", "pay_t1", ROWS)
    await w.db.execute(sql, TEST_MERCHANT_ID, "rfnd_s", "pay_t2", 1)  # same merchant, other payment
    await w.db.execute(sql, w.other_merchant, "rfnd_o", "pay_o1", 1)
    return "rfnd_o1"


async def fill_webhooks(w: World) -> str:
    sql = (
        "INSERT INTO webhook_deliveries (id, merchant_id, event, body, created_at) "
        f"SELECT gen_random_uuid(), $1, 'payment.success', '{{}}', {STEP} "
        "FROM generate_series(1, $2) g RETURNING id"
    )
    await w.db.execute(sql, TEST_MERCHANT_ID, ROWS)
    return str(await w.db.fetchval(sql, w.other_merchant, 1))


async def _ledger(w: World, inn: str, count: int) -> int:
    await w.db.execute("INSERT INTO bank_organizations (inn, balance) VALUES ($1, $2)", inn, count)
    await w.db.execute(
        "WITH ops AS (INSERT INTO bank_operations (operation_id, amount, payer_inn, "
        "document_number, document_date) SELECT gen_random_uuid(), 1, $1, 'D', now() "
        "FROM generate_series(1, $2) RETURNING operation_id) "
        "INSERT INTO bank_balance_log (inn, operation_id, delta, balance_after, created_at) "
        f"SELECT $1, operation_id, 1, 1, {STEP} "
        "FROM (SELECT operation_id, row_number() OVER () AS g FROM ops) AS numbered",
        inn,
        count,
    )
    return int(await w.db.fetchval("SELECT max(id) FROM bank_balance_log WHERE inn = $1", inn))


async def fill_ledger(w: World) -> str:
    await _ledger(w, INN, ROWS)
    return str(await _ledger(w, OTHER_INN, 1))


async def fill_polling(w: World) -> str:
    sql = (
        "INSERT INTO user_payments (id, user_id, amount, created_at) "
        f"SELECT gen_random_uuid(), $1, 10, {STEP} FROM generate_series(1, $2) g RETURNING id"
    )
    await w.db.execute(sql, w.user_id, ROWS)
    return str(await w.db.fetchval(sql, w.other_user_id, 1))


async def fill_events(w: World) -> None:
    await w.db.execute(
        "INSERT INTO events (name, fee, kind, created_at) "
        f"SELECT 'Event ' || g, 100, 'solo', {STEP} FROM generate_series(1, $1) g",
        ROWS,
    )


async def fill_atompay(w: World) -> str:
    event_id = await w.db.fetchval(
        "INSERT INTO events (name, fee, kind) VALUES ('Hack', 100, 'solo') RETURNING id"
    )
    sql = (
        "INSERT INTO atompay_payments (merch_txn_id, user_id, event_id, event_type, email, "
        f"phone, amount, created_at) SELECT $2 || g, $1, $3, 'solo', 'a@b.c', '9999999999', 100, "
        f"{STEP} FROM generate_series(1, $4) g"
    )
    await w.db.execute(sql, w.user_id, "TXN_T", event_id, ROWS)
    await w.db.execute(sql, w.other_user_id, "TXN_O", event_id, 1)
    return "TXN_O1"


def fill_shop(table: str, columns: str, values: str) -> Fill:
    async def fill(w: World) -> None:
        await w.db.execute(
            f"INSERT INTO {table} ({columns}, created_at) "
            f"SELECT {values}, {STEP} FROM generate_series(1, $1) g",
            ROWS,
        )

    return fill


CASES = {
    "gateway orders": Case("/api/v1/orders", fill_orders),
    "gateway payments": Case("/api/v1/payments", fill_payments),
    "gateway refunds": Case("/api/v1/payments/pay_t1/refunds", fill_refunds),
    "gateway webhooks": Case("/api/v1/webhooks", fill_webhooks),
    "bank ledger": Case(f"/api/organizations/{INN}/balance-log/", fill_ledger, gateway=False),
    "polling payments": Case("/api/payments/", fill_polling, gateway=False, array=True),
    "atompay events": Case("/api/events", fill_events, gateway=False),
    "atompay payments": Case("/api/atompay/payments", fill_atompay, gateway=False),
    "shop items": Case(
        "/api/shop/items",
        fill_shop("shop_items", "name, price, currency", "'Item ' || g, 5, 'USD'"),
        gateway=False,
    ),
    "shop discounts": Case(
        "/api/shop/discounts",
        fill_shop("shop_discounts", "name, percent_off", "'Off ' || g, 10"),
        gateway=False,
    ),
    "shop taxes": Case(
        "/api/shop/taxes",
        fill_shop("shop_taxes", "name, percentage, inclusive", "'Tax ' || g, 5, false"),
        gateway=False,
    ),
    "shop orders": Case(
        "/api/shop/orders", fill_shop("shop_orders", "currency", "'USD'"), gateway=False
    ),
}


def item_id(case: Case, item: dict[str, Any]) -> str:
    # AtomPay payments are named by their merchTxnId (GET /api/atompay/payments/{merchTxnId})
    return str(item["merch_txn_id"] if case.path == "/api/atompay/payments" else item["id"])


@dataclass
class Lister:
    client: Client
    case: Case
    headers: dict[str, str]

    async def get(self, **params: str) -> tuple[int, Any, Any]:
        """Status, body and the page: (ids, total, has_more) when the status is 200."""
        response = await self.client.get(self.case.path, params=params, headers=self.headers)
        body = await response.json()
        if response.status != 200:
            return response.status, body, None
        if self.case.array:
            total = int(response.headers["X-Total-Count"])
            has_more = {"true": True, "false": False}[response.headers["X-Has-More"]]
            items = body
        else:
            assert {"data", "total", "limit", "offset", "has_more"} <= set(body)
            items, total, has_more = body["data"], body["total"], body["has_more"]
        return 200, body, ([item_id(self.case, item) for item in items], total, has_more)

    async def walk(self, by_cursor: bool, limit: int = 5) -> list[str]:
        ids: list[str] = []
        while True:
            params = {"limit": str(limit)}
            if by_cursor and ids:
                params["starting_after"] = ids[-1]
            elif not by_cursor:
                params["offset"] = str(len(ids))
            status, body, page = await self.get(**params)
            assert status == 200, body
            page_ids, total, has_more = page
            assert total == ROWS
            ids += page_ids
            assert has_more == (len(ids) < ROWS), (len(ids), has_more)
            if not has_more:
                return ids


@pytest.fixture
async def world(db: asyncpg.Connection, make_user: UserFactory) -> World:
    other = await create_merchant(db, "other@example.com", None, TEST_SECRET_KEY)
    merchant_id = await db.fetchval("SELECT id FROM merchants WHERE api_key = $1", other.api_key)
    user, headers = await make_user("alice", superuser=True)
    bob, _ = await make_user("bob")
    other_headers = {"X-Api-Key": other.api_key, "X-Api-Secret": other.api_secret}
    return World(db, merchant_id, other_headers, user.id, headers, bob.id)


@pytest.mark.parametrize("name", list(CASES))
async def test_cursor_walk_equals_offset_walk_with_exact_total(
    name: str, world: World, start_app: AppFactory
) -> None:
    case = CASES[name]
    other_id = await case.fill(world)
    client = await start_app(run_worker=False)
    lister = Lister(client, case, MERCHANT if case.gateway else world.user_headers)

    by_offset = await lister.walk(by_cursor=False)
    by_cursor = await lister.walk(by_cursor=True)
    assert by_cursor == by_offset
    assert len(set(by_cursor)) == ROWS

    # the page after the last object is empty, and says so
    status, _, page = await lister.get(starting_after=by_cursor[-1])
    assert status == 200 and page == ([], ROWS, False)
    # offset counts from the cursor
    status, _, page = await lister.get(starting_after=by_cursor[2], offset="4", limit="3")
    assert page[0] == by_cursor[7:10]

    if other_id is not None:  # someone else's object names no position in this list
        status, body, _ = await lister.get(starting_after=other_id)
        assert status == 404, body
        assert body["error"]["code"] == "NOT_FOUND_ERROR"


MALFORMED = ["nope", "0", "-1", "1e3", " 1", "9" * 40, "x" * 4000, "\x00", "%00"]


@pytest.mark.parametrize("name", list(CASES))
async def test_malformed_or_unknown_cursors_are_404_or_400(
    name: str, world: World, start_app: AppFactory
) -> None:
    case = CASES[name]
    await case.fill(world)
    client = await start_app(run_worker=False)
    lister = Lister(client, case, MERCHANT if case.gateway else world.user_headers)
    for raw in [*MALFORMED, str(uuid.uuid4()), "9223372036854775807", "order_x"]:
        status, body, _ = await lister.get(starting_after=raw)
        assert status in (400, 404), (raw, status, body)
    status, body, _ = await lister.get(starting_after="")
    assert status == 400 and body["error"]["field"] == "starting_after"
    # invalid UTF-8 and a lone surrogate, percent-encoded as a client may send them
    for raw in ("%ED%B2%80", "%FF", "%C0%80"):
        response = await client.get(f"{case.path}?starting_after={raw}", headers=lister.headers)
        assert response.status in (400, 404), (raw, response.status, await response.text())
