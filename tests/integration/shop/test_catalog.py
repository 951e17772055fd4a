"""The catalog JSON API: items, discounts, taxes, orders and their totals (DESIGN §7)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import AppFactory, UserFactory
from tests.integration.shop.conftest import Factory, post_ok


async def test_item_lifecycle_public_reads_and_superuser_writes(
    start_app: AppFactory, admin_headers: dict[str, str], make_user: UserFactory
) -> None:
    client = await start_app(run_worker=False)
    item = await post_ok(
        client,
        "/api/shop/items",
        {"name": "Mug", "description": "White", "price": 12.5, "currency": "usd"},
        admin_headers,
    )
    assert item["price"] == "12.50" and item["currency"] == "USD"
    assert set(item) == {"id", "name", "description", "price", "currency", "created_at"}
    assert item["created_at"].endswith("Z")

    public = await client.get(f"/api/shop/items/{item['id']}")
    assert public.status == 200 and await public.json() == item
    listing = await (await client.get("/api/shop/items?limit=5")).json()
    assert listing == {"data": [item], "total": 1, "limit": 5, "offset": 0, "has_more": False}

    patched = await client.patch(
        f"/api/shop/items/{item['id']}", json={"price": "13"}, headers=admin_headers
    )
    assert patched.status == 200 and (await patched.json())["price"] == "13.00"

    _, user_headers = await make_user("plain")
    denied = await client.post(
        "/api/shop/items", json={"name": "x", "price": 1, "currency": "USD"}, headers=user_headers
    )
    assert denied.status == 404
    anonymous = await client.post("/api/shop/items", json={"name": "x", "price": 1})
    assert anonymous.status == 401
    assert (await client.get("/api/shop/items/999999")).status == 404
    assert (await client.get("/api/shop/items/abc")).status == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "", "price": "1.00", "currency": "USD"}, "name"),
        ({"name": "x" * 201, "price": "1.00", "currency": "USD"}, "name"),
        ({"name": "a", "price": "0", "currency": "USD"}, "price"),
        ({"name": "a", "price": "-1", "currency": "USD"}, "price"),
        ({"name": "a", "price": "1.234", "currency": "USD"}, "price"),
        ({"name": "a", "price": "NaN", "currency": "USD"}, "price"),
        ({"name": "a", "price": "1e400", "currency": "USD"}, "price"),
        ({"name": "a", "price": True, "currency": "USD"}, "price"),
        ({"name": "a", "price": "1500.5", "currency": "JPY"}, "price"),
        ({"name": "a", "price": "1.00", "currency": "US"}, "currency"),
        ({"name": "a", "price": "1.00"}, "currency"),
    ],
)
async def test_item_validation(
    start_app: AppFactory, admin_headers: dict[str, str], body: dict[str, Any], field: str
) -> None:
    client = await start_app(run_worker=False)
    response = await client.post("/api/shop/items", json=body, headers=admin_headers)
    assert response.status == 400
    error = (await response.json())["error"]
    assert error["code"] == "BAD_REQUEST_ERROR" and error["field"] == field


async def test_discounts_and_taxes(start_app: AppFactory, admin_headers: dict[str, str]) -> None:
    client = await start_app(run_worker=False)
    percent = await post_ok(
        client, "/api/shop/discounts", {"name": "Ten", "percent_off": 10}, admin_headers
    )
    assert percent["percent_off"] == 10 and percent["amount_off"] is None
    amount = await post_ok(
        client,
        "/api/shop/discounts",
        {"name": "Five off", "amount_off": "5", "currency": "EUR"},
        admin_headers,
    )
    assert amount["amount_off"] == "5.00" and amount["currency"] == "EUR"
    tax = await post_ok(
        client,
        "/api/shop/taxes",
        {"name": "VAT", "percentage": "20", "inclusive": True},
        admin_headers,
    )
    assert tax["percentage"] == 20 and tax["inclusive"] is True
    for bad in (
        {"name": "both", "percent_off": 10, "amount_off": "1", "currency": "USD"},
        {"name": "none"},
        {"name": "big", "percent_off": 101},
        {"name": "no currency", "amount_off": "1"},
    ):
        response = await client.post("/api/shop/discounts", json=bad, headers=admin_headers)
        assert response.status == 400, bad
    bad_tax = await client.post(
        "/api/shop/taxes",
        json={"name": "t", "percentage": 5, "inclusive": "yes"},
        headers=admin_headers,
    )
    assert bad_tax.status == 400
    listed = await (await client.get("/api/shop/taxes", headers=admin_headers)).json()
    assert listed["total"] == 1


async def test_order_totals_and_shape(
    start_app: AppFactory, admin_headers: dict[str, str], make_item: Factory, make_order: Factory
) -> None:
    client = await start_app(run_worker=False)
    mug = await make_item(client, "Mug", "12.50")
    shirt = await make_item(client, "Shirt", "20.00")
    discount = await post_ok(
        client, "/api/shop/discounts", {"name": "Ten", "percent_off": 10}, admin_headers
    )
    sales = await post_ok(
        client,
        "/api/shop/taxes",
        {"name": "Sales", "percentage": 8, "inclusive": False},
        admin_headers,
    )
    vat = await post_ok(
        client,
        "/api/shop/taxes",
        {"name": "VAT", "percentage": 20, "inclusive": True},
        admin_headers,
    )
    order = await make_order(
        client, [(mug["id"], 2), (shirt["id"], 1)], discount["id"], [sales["id"], vat["id"]]
    )
    assert set(order) == {
        "id",
        "currency",
        "lines",
        "discount",
        "taxes",
        "subtotal",
        "discount_amount",
        "tax_amount",
        "total",
        "paid",
        "created_at",
    }
    assert order["lines"] == [
        {"item_id": mug["id"], "name": "Mug", "quantity": 2, "unit_price": "12.50"},
        {"item_id": shirt["id"], "name": "Shirt", "quantity": 1, "unit_price": "20.00"},
    ]
    # 45.00 − 4.50 = 40.50; exclusive 8 % of 40.50 = 3.24; the inclusive VAT adds nothing.
    assert (order["subtotal"], order["discount_amount"]) == ("45.00", "4.50")
    assert (order["tax_amount"], order["total"]) == ("3.24", "43.74")
    assert order["currency"] == "USD" and order["paid"] is False
    fetched = await client.get(f"/api/shop/orders/{order['id']}", headers=admin_headers)
    assert await fetched.json() == order
    listing = await (await client.get("/api/shop/orders", headers=admin_headers)).json()
    assert listing["total"] == 1 and listing["data"] == [order]


async def test_order_errors(
    start_app: AppFactory, admin_headers: dict[str, str], make_item: Factory
) -> None:
    client = await start_app(run_worker=False)
    usd = await make_item(client, "Mug", "12.50", "USD")
    eur = await make_item(client, "Book", "9.90", "EUR")
    euro_off = await post_ok(
        client,
        "/api/shop/discounts",
        {"name": "Euro", "amount_off": "1", "currency": "EUR"},
        admin_headers,
    )

    async def order(body: dict[str, Any]) -> tuple[int, Any]:
        response = await client.post("/api/shop/orders", json=body, headers=admin_headers)
        return response.status, (await response.json())["error"]

    mixed = {
        "items": [{"item_id": usd["id"], "quantity": 1}, {"item_id": eur["id"], "quantity": 1}]
    }
    status, error = await order(mixed)
    assert status == 400 and error["field"] == "items"
    status, error = await order({"items": [{"item_id": 999999, "quantity": 1}]})
    assert status == 404 and error["code"] == "NOT_FOUND_ERROR"
    status, _ = await order({"items": [{"item_id": usd["id"], "quantity": 0}]})
    assert status == 400
    status, _ = await order({"items": []})
    assert status == 400
    line = [{"item_id": usd["id"], "quantity": 1}]
    status, error = await order({"items": line, "discount_id": euro_off["id"]})
    assert status == 400 and error["field"] == "discount_id"
    status, error = await order({"items": line, "tax_ids": [424242]})
    assert status == 404 and error["field"] == "tax_ids"
    assert (await client.get("/api/shop/orders/77", headers=admin_headers)).status == 404


async def test_zero_decimal_item_prices(start_app: AppFactory, make_item: Factory) -> None:
    client = await start_app(run_worker=False)
    item = await make_item(client, "Tea", "4500", "JPY")
    assert item["price"] == "4500"


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        # Postgres would round these: a 500 (0.00 % breaks the check) or a free order (100 %).
        ("/api/shop/discounts", {"name": "d", "percent_off": 0.001}, "percent_off"),
        ("/api/shop/discounts", {"name": "d", "percent_off": "99.9999"}, "percent_off"),
        ("/api/shop/discounts", {"name": "d", "percent_off": "99.999"}, "percent_off"),
        # Decimal() reads these; the one strict parser of client decimals does not.
        ("/api/shop/discounts", {"name": "d", "percent_off": "1_0"}, "percent_off"),
        ("/api/shop/discounts", {"name": "d", "percent_off": "١٠"}, "percent_off"),
        (
            "/api/shop/taxes",
            {"name": "t", "percentage": "7.12345", "inclusive": True},
            "percentage",
        ),
        (
            "/api/shop/taxes",
            {"name": "t", "percentage": "0.00001", "inclusive": True},
            "percentage",
        ),
        ("/api/shop/taxes", {"name": "t", "percentage": "1_0", "inclusive": True}, "percentage"),
    ],
)
async def test_percentages_are_never_rounded(
    start_app: AppFactory, admin_headers: dict[str, str], path: str, body: Any, field: str
) -> None:
    client = await start_app(run_worker=False)
    response = await client.post(path, json=body, headers=admin_headers)
    assert response.status == 400, await response.text()
    assert (await response.json())["error"]["field"] == field
    listed = await (await client.get(path, headers=admin_headers)).json()
    assert listed["total"] == 0


async def test_percentages_as_precise_as_their_column(
    start_app: AppFactory, admin_headers: dict[str, str]
) -> None:
    client = await start_app(run_worker=False)
    discount = await post_ok(
        client, "/api/shop/discounts", {"name": "d", "percent_off": "12.25"}, admin_headers
    )
    tax = await post_ok(
        client,
        "/api/shop/taxes",
        {"name": "t", "percentage": "7.1234", "inclusive": False},
        admin_headers,
    )
    assert (discount["percent_off"], tax["percentage"]) == (12.25, 7.1234)


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/shop/items", {"name": "Mug", "price": "1.00", "currency": "USD"}),
        ("/api/shop/discounts", {"name": "d", "percent_off": 10}),
        ("/api/shop/taxes", {"name": "t", "percentage": 5, "inclusive": False}),
    ],
)
async def test_list_total_stays_exact_past_the_last_page(
    start_app: AppFactory, admin_headers: dict[str, str], path: str, body: dict[str, Any]
) -> None:
    client = await start_app(run_worker=False)
    await post_ok(client, path, body, admin_headers)
    listed = await (await client.get(f"{path}?offset=5", headers=admin_headers)).json()
    assert listed == {"data": [], "total": 1, "limit": 10, "offset": 5, "has_more": False}
