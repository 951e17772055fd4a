"""``/admin/`` (cookie login, read-only tables) and the idempotent demo seed."""

from __future__ import annotations

import asyncpg

from payserv.seed import seed_demo_data
from payserv.settings import Settings
from tests.conftest import AppFactory, UserFactory
from tests.integration.test_page_security import TOKEN, login_form


async def test_demo_seed_is_idempotent(db: asyncpg.Connection, settings: Settings) -> None:
    first = await seed_demo_data(db, settings)
    assert any(line.startswith("shop order") for line in first)
    second = await seed_demo_data(db, settings)
    assert not any(line.startswith("shop") for line in second)
    currencies = {row["currency"] for row in await db.fetch("SELECT currency FROM shop_items")}
    assert {"USD", "EUR", "JPY"} <= currencies
    assert await db.fetchval("SELECT count(*) FROM shop_orders") == 1
    order = await db.fetchrow(
        "SELECT o.currency, d.percent_off, max(l.quantity) AS quantity, bool_or(NOT t.inclusive)"
        " AS exclusive FROM shop_orders o JOIN shop_discounts d ON d.id = o.discount_id"
        " JOIN shop_order_lines l ON l.order_id = o.id"
        " JOIN shop_order_taxes ot ON ot.order_id = o.id JOIN shop_taxes t ON t.id = ot.tax_id"
        " GROUP BY o.currency, d.percent_off"
    )
    assert order["currency"] == "USD" and order["percent_off"] > 0
    assert order["quantity"] > 1 and order["exclusive"]


async def test_admin_login_and_read_only_tables(
    start_app: AppFactory, make_user: UserFactory, db: asyncpg.Connection, settings: Settings
) -> None:
    await seed_demo_data(db, settings)
    client = await start_app(run_worker=False)
    await make_user("boss", superuser=True)
    await make_user("clerk")

    assert (await client.get("/admin", allow_redirects=False)).status == 303
    form = await client.get("/admin/")
    assert form.status == 200 and 'action="/admin/login"' in await form.text()
    token = await login_form(client)

    refused = await client.post(
        "/admin/login",
        data={"username": "clerk", "password": "password-clerk", "csrf_token": token},
    )
    assert refused.status == 400 and "payserv_admin" not in refused.cookies

    login = await client.post(
        "/admin/login",
        data={"username": "boss", "password": "password-boss", "csrf_token": token},
        allow_redirects=False,
    )
    assert login.status == 303 and login.headers["Location"] == "/admin/"
    cookie = login.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie

    page = await client.get("/admin/")
    text = await page.text()
    assert page.status == 200
    for heading in ("Items", "Orders", "Discounts", "Taxes", "Stripe purchases"):
        assert f">{heading}</h2>" in text
    assert "Coffee mug" in text and "Welcome 10%" in text and "Sales tax 8%" in text
    assert "<form" in text and text.count("<form") == 1  # only the logout form: read-only

    logout_token = TOKEN.search(text)
    assert logout_token is not None
    logout = await client.post(
        "/admin/logout", data={"csrf_token": logout_token.group(1)}, allow_redirects=False
    )
    assert logout.status == 303
    client.session.cookie_jar.clear()
    assert 'action="/admin/login"' in await (await client.get("/admin/")).text()
