"""``/api/shop/…``: anyone reads items; superusers manage the catalog and orders."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal
from functools import partial
from typing import Any, TypeVar

import asyncpg
from aiohttp import web

from payserv.auth import require_superuser
from payserv.context import POOL
from payserv.errors import BadRequestError, NotFoundError
from payserv.fields import MAX_BIGINT, plain_int, require_int, require_str
from payserv.shop import catalog, orders
from payserv.shop.catalog import Item
from payserv.shop.money import (
    PERCENT_OFF_PLACES,
    TAX_PERCENTAGE_PLACES,
    parse_currency,
    parse_money,
    parse_percentage,
)
from payserv.shop.orders import NewOrder, Order
from payserv.web import JsonObject, json_response, page_response, read_json_object

MAX_ID = MAX_BIGINT
MAX_LINES = 100

T = TypeVar("T")


def path_id(request: web.Request) -> int:
    """The integer ``{id}`` of the path; anything else names nothing (404)."""
    value = plain_int(request.match_info["id"], maximum=MAX_ID)
    if not value:  # None, or 0: ids start at 1
        raise NotFoundError()
    return value


async def _of_path(
    request: web.Request, load: Callable[[asyncpg.Connection, int], Awaitable[T]]
) -> T:
    object_id = path_id(request)
    async with request.app[POOL].acquire() as conn:
        return await load(conn, object_id)


async def item_of_path(request: web.Request) -> Item:
    """The item ``{id}`` names, or 404."""
    return await _of_path(request, catalog.require_item)


async def order_of_path(request: web.Request) -> Order:
    """The order ``{id}`` names, or 404."""
    return await _of_path(request, orders.require_order)


async def _superuser_body(request: web.Request) -> tuple[dict[str, Any], str]:
    """A superuser's JSON body and the ``name`` every catalog object has."""
    await require_superuser(request)
    body = await read_json_object(request)
    return body, require_str(body, "name", max_length=200)


async def _created(
    request: web.Request, insert: Callable[[asyncpg.Connection], Awaitable[JsonObject]]
) -> web.Response:
    """201 with what ``insert`` stored, in one transaction."""
    async with request.app[POOL].acquire() as conn, conn.transaction():
        created = await insert(conn)
    return json_response(created.to_json(), status=201)


async def list_items(request: web.Request) -> web.Response:
    """``GET /api/shop/items``: public, newest first."""
    return await page_response(request, catalog.list_items)


async def get_item(request: web.Request) -> web.Response:
    """``GET /api/shop/items/{id}``: public."""
    return json_response((await item_of_path(request)).to_json())


async def create_item(request: web.Request) -> web.Response:
    """``POST /api/shop/items`` ``{"name", "description"?, "price", "currency"}`` → 201."""
    body, name = await _superuser_body(request)
    description = require_str(body, "description", min_length=0, max_length=5000, required=False)
    currency = parse_currency(body, "currency")
    price = parse_money(body, "price", currency)
    insert = partial(
        catalog.insert_item,
        name=name,
        description=description or "",
        price=price,
        currency=currency,
    )
    return await _created(request, insert)


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
        item = await catalog.require_item(conn, item_id)
        currency = parse_currency(body, "currency") if "currency" in body else item.currency
        changes["currency"] = currency
        # A new currency must fit the price too (JPY has no decimals).
        price = body["price"] if "price" in body else str(item.price)
        changes["price"] = parse_money({"price": price}, "price", currency)
        updated = await catalog.update_item(conn, item_id, changes)
    return json_response(catalog.found(updated, f"item {item_id}").to_json())


def parse_discount(body: dict[str, Any]) -> tuple[Decimal | None, Decimal | None, str | None]:
    """``(percent_off, amount_off, currency)``: exactly one kind of discount, strictly parsed."""
    has_percent = body.get("percent_off") is not None
    if has_percent == (body.get("amount_off") is not None):
        raise BadRequestError("give exactly one of percent_off or amount_off", field="percent_off")
    if has_percent:
        places = PERCENT_OFF_PLACES
        percent = parse_percentage(body, "percent_off", allow_zero=False, max_places=places)
        return percent, None, None
    currency = parse_currency(body, "currency")
    return None, parse_money(body, "amount_off", currency), currency


async def create_discount(request: web.Request) -> web.Response:
    """``POST /api/shop/discounts``: ``{"name", "percent_off"}`` or ``{"name", "amount_off",
    "currency"}`` → 201."""
    body, name = await _superuser_body(request)
    percent_off, amount_off, currency = parse_discount(body)
    insert = partial(
        catalog.insert_discount,
        name=name,
        percent_off=percent_off,
        amount_off=amount_off,
        currency=currency,
    )
    return await _created(request, insert)


async def list_discounts(request: web.Request) -> web.Response:
    """``GET /api/shop/discounts`` (superuser)."""
    await require_superuser(request)
    return await page_response(request, catalog.list_discounts)


async def create_tax(request: web.Request) -> web.Response:
    """``POST /api/shop/taxes`` ``{"name", "percentage", "inclusive"}`` → 201."""
    body, name = await _superuser_body(request)
    places = TAX_PERCENTAGE_PLACES
    percentage = parse_percentage(body, "percentage", allow_zero=True, max_places=places)
    inclusive = body.get("inclusive")
    if not isinstance(inclusive, bool):
        raise BadRequestError("inclusive must be true or false", field="inclusive")
    insert = partial(catalog.insert_tax, name=name, percentage=percentage, inclusive=inclusive)
    return await _created(request, insert)


async def list_taxes(request: web.Request) -> web.Response:
    """``GET /api/shop/taxes`` (superuser)."""
    await require_superuser(request)
    return await page_response(request, catalog.list_taxes)


async def create_order(request: web.Request) -> web.Response:
    """``POST /api/shop/orders`` ``{"items": [{"item_id", "quantity"}], "discount_id"?,
    "tax_ids"?}`` → 201."""
    await require_superuser(request)
    new = parse_new_order(await read_json_object(request))
    return await _created(request, partial(orders.create_order, new=new))


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
    return await page_response(request, orders.list_orders)


async def get_order(request: web.Request) -> web.Response:
    """``GET /api/shop/orders/{id}`` (superuser)."""
    await require_superuser(request)
    return json_response((await order_of_path(request)).to_json())
