"""Coupons and tax rates in Stripe: created once per account, with no connection held meanwhile."""

from __future__ import annotations

import asyncio

import asyncpg

from tests.integration.shop.conftest import Factory
from tests.integration.shop.stripe_stub import StripeStub
from tests.integration.shop.test_checkout import SESSIONS, Start, buy, catalog

COUPONS, TAX_RATES = "/v1/coupons", "/v1/tax_rates"


async def test_racing_checkouts_share_one_coupon_and_tax_rate(
    start_shop: Start,
    stripe_stub: StripeStub,
    make_item: Factory,
    make_order: Factory,
    admin_headers: dict[str, str],
    db: asyncpg.Connection,
) -> None:
    client = await start_shop()
    c = await catalog(client, admin_headers, make_item)
    order = await make_order(client, [(c["mug"]["id"], 2)], c["ten"]["id"], [c["sales"]["id"]])
    gates = {path: stripe_stub.hold(path) for path in (COUPONS, TAX_RATES)}
    racers = [asyncio.create_task(buy(client, f"/buy/order/{order['id']}")) for _ in range(4)]
    async with asyncio.timeout(10):
        # All four are inside the same Stripe call at once before any of them is answered.
        for path, gate in gates.items():
            await stripe_stub.wait_for_calls(path, 4)
            gate.set()
    sessions = await asyncio.gather(*racers)
    assert len({session["id"] for session in sessions}) == 4
    for path in (COUPONS, TAX_RATES):
        assert len({call.idempotency_key for call in stripe_stub.calls(path)}) == 1
    [coupon] = stripe_stub.created("coupon")
    assert len(stripe_stub.created("tax_rate")) == 1
    coupons = {call.params["discounts[0][coupon]"] for call in stripe_stub.calls(SESSIONS)}
    assert coupons == {coupon["id"]}
    cached = await db.fetch("SELECT kind, stripe_id FROM shop_stripe_objects ORDER BY kind")
    assert [tuple(row) for row in cached] == [
        ("coupon", coupon["id"]),
        ("tax_rate", stripe_stub.created("tax_rate")[0]["id"]),
    ]


async def test_no_connection_is_held_while_stripe_answers(
    start_shop: Start,
    stripe_stub: StripeStub,
    make_item: Factory,
    make_order: Factory,
    admin_headers: dict[str, str],
    db: asyncpg.Connection,
) -> None:
    client = await start_shop()
    c = await catalog(client, admin_headers, make_item)
    order = await make_order(client, [(c["mug"]["id"], 1)], c["ten"]["id"], [c["sales"]["id"]])
    gates = {path: stripe_stub.hold(path) for path in (COUPONS, TAX_RATES, SESSIONS)}
    purchase = asyncio.create_task(buy(client, f"/buy/order/{order['id']}"))
    async with asyncio.timeout(10):
        for path, gate in gates.items():
            await stripe_stub.wait_for_calls(path, 1)
            # Stripe is answering: the app has no open transaction and no advisory lock.
            assert await _open_transactions(db) == []
            assert await _advisory_locks(db) == 0
            gate.set()
    assert (await purchase)["id"] == stripe_stub.created("checkout.session")[0]["id"]


async def _open_transactions(db: asyncpg.Connection) -> list[str]:
    rows = await db.fetch(
        "SELECT state FROM pg_stat_activity WHERE datname = current_database()"
        " AND pid <> pg_backend_pid() AND xact_start IS NOT NULL"
    )
    return [row["state"] for row in rows]


async def _advisory_locks(db: asyncpg.Connection) -> int:
    return int(
        await db.fetchval(
            "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database"
            " WHERE l.locktype = 'advisory' AND d.datname = current_database()"
        )
    )
