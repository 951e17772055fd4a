"""``/api/shop/…``: anyone reads items; superusers manage the catalog and orders."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from payserv.auth import require_superuser
from payserv.context import POOL
from payserv.errors import BadRequestError, NotFoundError
from payserv.fields import MAX_BIGINT, plain_int, require_int, require_str
from payserv.shop_catalog import (
    Item,
    discount_from_row,
    insert_discount,
    insert_item,
    insert_tax,
    list_page,
    tax_from_row,
)
from payserv.shop_catalog import (
    get_item as fetch_item,
)
from payserv.shop_catalog import (
    list_items as fetch_items,
)
from payserv.shop_catalog import (
    update_item as change_item,
)
from payserv.shop_money import (
    PERCENT_OFF_PLACES,
    TAX_PERCENTAGE_PLACES,
    parse_currency,
    parse_money,
    parse_percentage,
)
from payserv.shop_orders import (
    NewOrder,
    Order,
)
from payserv.shop_orders import (
    create_order as insert_order,
)
from payserv.shop_orders import (
    get_order as fetch_order,
)
from payserv.shop_orders import (
    list_orders as fetch_orders,
)
from payserv.web import json_response, page_body, page_response, pagination, read_json_object

MAX_ID = MAX_BIGINT
MAX_LINES = 100


def path_id(request: web.Request) -> int:
    """The integer ``{id}`` of the path; anything else names nothing (404)."""
    value = plain_int(request.match_info["id"], maximum=MAX_ID)
    if not value:  # None, or 0: ids start at 1
        raise NotFoundError()
    return value


async def item_of_path(request: web.Request) -> Item:
    """The item ``{id}`` names, or 404."""
    item_id = path_id(request)
    async with request.app[POOL].acquire() as conn:
        item = await fetch_item(conn, item_id)
    if item is None:
        raise NotFoundError(f"item {item_id} does not exist")
    return item


async def order_of_path(request: web.Request) -> Order:
    """The order ``{id}`` names, or 404."""
    order_id = path_id(request)
    async with request.app[POOL].acquire() as conn:
        order = await fetch_order(conn, order_id)
    if order is None:
        raise NotFoundError(f"order {order_id} does not exist")
    return order


async def list_items(request: web.Request) -> web.Response:
    """``GET /api/shop/items``: public, newest first."""
    return await page_response(request, fetch_items)


async def get_item(request: web.Request) -> web.Response:
    """``GET /api/shop/items/{id}``: public."""
    return json_response((await item_of_path(request)).to_json())


async def create_item(request: web.Request) -> web.Response:
    """``POST /api/shop/items`` ``{"name", "description"?, "price", "currency"}`` → 201."""
    await require_superuser(request)
    body = await read_json_object(request)
    name = require_str(body, "name", max_length=200)
    description = require_str(body, "description", min_length=0, max_length=5000, required=False)
    currency = parse_currency(body, "currency")
    price = parse_money(body, "price", currency)
    async with request.app[POOL].acquire() as conn:
        item = await insert_item(conn, name, description or "", price, currency)
    return json_response(item.to_json(), status=201)


async def update_item(request: web.Request) -> web.Response:
    """``PATCH /api/shop/items/{id}``: any of name, description, price, currency."""
    await require_superuser(request)
    item_id = path_id(request)
    body = await read_json_object(request)
    changes: dict[str, Any] = {}
    if "name" in body:
        changes["name"] = require_str(body, "name", max_length=200)
    if "description" in body:
        changes["description"] = require_str(body, "description", min_length=0, max_length=5000)
    async with request.app[POOL].acquire() as conn, conn.transaction():
        item = await fetch_item(conn, item_id)
        if item is None:
            raise NotFoundError(f"item {item_id} does not exist")
        currency = parse_currency(body, "currency") if "currency" in body else item.currency
        changes["currency"] = currency
        # A new currency must fit the price too (JPY has no decimals).
        price = body["price"] if "price" in body else str(item.price)
        changes["price"] = parse_money({"price": price}, "price", currency)
        updated = await change_item(conn, item_id, changes)
    assert updated is not None
    return json_response(updated.to_json())


async def create_discount(request: web.Request) -> web.Response:
    """``POST /api/shop/discounts``: ``{"name", "percent_off"}`` or ``{"name", "amount_off",
    "currency"}`` → 201."""
    await require_superuser(request)
    body = await read_json_object(request)
    name = require_str(body, "name", max_length=200)
    has_percent = body.get("percent_off") is not None
    has_amount = body.get("amount_off") is not None
    if has_percent == has_amount:
        raise BadRequestError("give exactly one of percent_off or amount_off", field="percent_off")
    async with request.app[POOL].acquire() as conn:
        if has_percent:
            percent = parse_percentage(
                body, "percent_off", allow_zero=False, max_places=PERCENT_OFF_PLACES
            )
            discount = await insert_discount(conn, name, percent, None, None)
        else:
            currency = parse_currency(body, "currency")
            amount = parse_money(body, "amount_off", currency)
            discount = await insert_discount(conn, name, None, amount, currency)
    return json_response(discount.to_json(), status=201)


async def list_discounts(request: web.Request) -> web.Response:
    """``GET /api/shop/discounts`` (superuser)."""
    await require_superuser(request)
    limit, offset = pagination(request)
    async with request.app[POOL].acquire() as conn:
        rows, total = await list_page(conn, "shop_list_discounts", limit, offset)
    data = [discount_from_row(row).to_json() for row in rows]
    return json_response(page_body(data, total, limit, offset))


async def create_tax(request: web.Request) -> web.Response:
    """``POST /api/shop/taxes`` ``{"name", "percentage", "inclusive"}`` → 201."""
    await require_superuser(request)
    body = await read_json_object(request)
    name = require_str(body, "name", max_length=200)
    percentage = parse_percentage(
        body, "percentage", allow_zero=True, max_places=TAX_PERCENTAGE_PLACES
    )
    inclusive = body.get("inclusive")
    if not isinstance(inclusive, bool):
        raise BadRequestError("inclusive must be true or false", field="inclusive")
    async with request.app[POOL].acquire() as conn:
        tax = await insert_tax(conn, name, percentage, inclusive)
    return json_response(tax.to_json(), status=201)


async def list_taxes(request: web.Request) -> web.Response:
    """``GET /api/shop/taxes`` (superuser)."""
    await require_superuser(request)
    limit, offset = pagination(request)
    async with request.app[POOL].acquire() as conn:
        rows, total = await list_page(conn, "shop_list_taxes", limit, offset)
    data = [tax_from_row(row).to_json() for row in rows]
    return json_response(page_body(data, total, limit, offset))


async def create_order(request: web.Request) -> web.Response:
    """``POST /api/shop/orders`` ``{"items": [{"item_id", "quantity"}], "discount_id"?,
    "tax_ids"?}`` → 201."""
    await require_superuser(request)
    new = parse_new_order(await read_json_object(request))
    async with request.app[POOL].acquire() as conn, conn.transaction():
        order = await insert_order(conn, new)
    return json_response(order.to_json(), status=201)


def parse_new_order(body: dict[str, Any]) -> NewOrder:
    """The order request, strictly typed (a 400 naming the field otherwise)."""
    items = body.get("items")
    if not isinstance(items, list) or not 1 <= len(items) <= MAX_LINES:
        raise BadRequestError(f"items must be a list of 1 to {MAX_LINES} lines", field="items")
    lines = []
    for line in items:
        if not isinstance(line, dict):
            raise BadRequestError("each line must be an object", field="items")
        item_id = require_int(line, "item_id", minimum=1, maximum=MAX_ID)
        lines.append((item_id, require_int(line, "quantity", minimum=1, maximum=10000)))
    discount_id = None
    if body.get("discount_id") is not None:
        discount_id = require_int(body, "discount_id", minimum=1, maximum=MAX_ID)
    tax_ids = body.get("tax_ids") or []
    if not isinstance(tax_ids, list) or len(tax_ids) > 10:
        raise BadRequestError("tax_ids must be a list of at most 10 ids", field="tax_ids")
    for tax_id in tax_ids:
        if isinstance(tax_id, bool) or not isinstance(tax_id, int) or not 0 < tax_id <= MAX_ID:
            raise BadRequestError("tax_ids must be positive integers", field="tax_ids")
    return NewOrder(tuple(lines), discount_id, tuple(dict.fromkeys(tax_ids)))


async def list_orders(request: web.Request) -> web.Response:
    """``GET /api/shop/orders`` (superuser), newest first."""
    await require_superuser(request)
    return await page_response(request, fetch_orders)


async def get_order(request: web.Request) -> web.Response:
    """``GET /api/shop/orders/{id}`` (superuser)."""
    await require_superuser(request)
    return json_response((await order_of_path(request)).to_json())
