"""Merchant gateway endpoints (DESIGN §4): orders, payments, capture, refunds, webhooks.

Handlers read the merchant's credentials and the Idempotency-Key from headers into plain
strings and call the aiohttp-free domain functions of :mod:`payserv.gateway`. The merchant's
own account endpoints are in :mod:`payserv.handlers.gateway_merchant`.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import asyncpg
import structlog
from aiohttp import web

from payserv.context import OUTBOX, POOL, QUEUE, SETTINGS
from payserv.errors import NotFoundError, PayservError
from payserv.gateway import (
    events,
    idempotency,
    merchants,
    orders,
    payments,
    refunds,
    webhooks,
)
from payserv.listing import Page, PageRequest
from payserv.web import JsonObject, dumps, json_response, page_response, read_json_object

log = structlog.get_logger(__name__)

Create = Callable[[asyncpg.Connection], Awaitable[JsonObject]]
# A domain getter/lister scoped to the merchant: (conn, merchant_id, object id) and
# (conn, merchant_id, the page asked for).
GetObject = Callable[[asyncpg.Connection, uuid.UUID, str], Awaitable[JsonObject]]
ListPage = Callable[[asyncpg.Connection, uuid.UUID, PageRequest], Awaitable[Page[Any]]]


def api_credentials(request: web.Request) -> tuple[str, str]:
    """``X-Api-Key`` and ``X-Api-Secret`` as given (empty when missing)."""
    return request.headers.get("X-Api-Key", ""), request.headers.get("X-Api-Secret", "")


async def require_merchant(request: web.Request) -> merchants.Merchant:
    """The merchant of ``X-Api-Key``/``X-Api-Secret``; 401 otherwise."""
    api_key, api_secret = api_credentials(request)
    merchants.check_credentials(api_key, api_secret)  # before taking a connection
    async with request.app[POOL].acquire() as conn:
        return await merchants.authenticate(conn, api_key, api_secret)


async def create_idempotently(
    request: web.Request,
    merchant_id: uuid.UUID,
    body: dict[str, Any],
    create: Create,
    *,
    one_statement: bool = False,
) -> web.Response:
    """201 with what ``create`` made in one transaction, once per ``Idempotency-Key``.

    ``one_statement``: ``create`` writes one statement (see ``idempotency.run_once``).
    """
    key = idempotency.parse_key(request.headers.get(idempotency.HEADER))
    fingerprint = idempotency.request_fingerprint(request.method, request.path, body)

    async def created(conn: asyncpg.Connection) -> idempotency.StoredResponse:
        return idempotency.StoredResponse(201, dumps((await create(conn)).to_json()))

    async with request.app[POOL].acquire() as conn:
        response = await idempotency.run_once(
            conn, merchant_id, key, fingerprint, created, one_statement=one_statement
        )
    return web.Response(
        text=response.body,
        status=response.status,
        content_type="application/json",
        headers={"Idempotent-Replayed": "true"} if response.replayed else None,
    )


@contextlib.contextmanager
def delivering_after_commit(request: web.Request) -> Iterator[None]:
    """Hand the deliveries the block commits to this process's outbox (DESIGN §4).

    They are attempted in the background: the response does not wait for the merchant.
    """
    with events.collecting_deliveries() as made:
        yield
    request.app[OUTBOX].hand_off(made)


async def merchant_object(request: web.Request, get: GetObject, id_name: str) -> web.Response:
    """The merchant's object whose id is the path's ``{id_name}``, as JSON (404: not theirs)."""
    merchant = await require_merchant(request)
    async with request.app[POOL].acquire() as conn:
        found = await get(conn, merchant.id, request.match_info[id_name])
    return json_response(found.to_json())


async def merchant_page(request: web.Request, list_page: ListPage) -> web.Response:
    """One page of the merchant's objects, in the list shape of DESIGN §2."""
    merchant = await require_merchant(request)
    return await page_response(request, lambda conn, asked: list_page(conn, merchant.id, asked))


# ----- orders -----


async def order_create(request: web.Request) -> web.Response:
    """``POST /api/v1/orders`` → 201."""
    if request.headers.get(idempotency.HEADER) is None:
        return await _order_create_in_one_statement(request)
    merchant = await require_merchant(request)
    body = await read_json_object(request)
    new = orders.parse_new_order(body)

    async def create(conn: asyncpg.Connection) -> orders.Order:
        return await orders.create_order(conn, merchant.id, new)

    # An order is one INSERT.
    return await create_idempotently(request, merchant.id, body, create, one_statement=True)


async def _order_create_in_one_statement(request: web.Request) -> web.Response:
    """An order without an Idempotency-Key: authenticated and inserted by one statement."""
    try:
        new = orders.parse_new_order(await read_json_object(request))
    except PayservError:
        # Credentials are checked first, as on every merchant endpoint: a stranger learns
        # nothing about the body from its errors.
        await require_merchant(request)
        raise
    api_key, api_secret = api_credentials(request)
    async with request.app[POOL].acquire() as conn:
        order = await orders.create_order_for_key(conn, api_key, api_secret, new)
    return json_response(order.to_json(), status=201)


async def order_detail(request: web.Request) -> web.Response:
    """``GET /api/v1/orders/{order_id}``."""
    return await merchant_object(request, orders.get_order, "order_id")


async def order_list(request: web.Request) -> web.Response:
    """``GET /api/v1/orders``: newest first."""
    return await merchant_page(request, orders.list_orders)


# ----- payments -----


async def payment_create(request: web.Request) -> web.Response:
    """``POST /api/v1/payments`` → 201 ``pending``; a job settles it."""
    merchant = await require_merchant(request)
    body = await read_json_object(request)
    new = payments.parse_new_payment(body, test_mode=request.app[SETTINGS].test_mode)
    return await create_payment_response(request, merchant.id, body, new)


async def create_payment_response(
    request: web.Request, merchant_id: uuid.UUID, body: dict[str, Any], new: payments.NewPayment
) -> web.Response:
    """201 with the payment ``new`` of the merchant's order, once per ``Idempotency-Key``.

    The hosted checkout's public endpoint pays through here too, as the order's merchant.
    """
    queue = request.app[QUEUE]
    process_in = payments.processing_delay(request.app[SETTINGS], *payments.PROCESSING_SECONDS)

    async def create(conn: asyncpg.Connection) -> payments.Payment:
        return await payments.create_payment(conn, queue, merchant_id, new, process_in)

    with delivering_after_commit(request):
        return await create_idempotently(request, merchant_id, body, create)


async def payment_detail(request: web.Request) -> web.Response:
    """``GET /api/v1/payments/{payment_id}``."""
    return await merchant_object(request, payments.get_payment, "payment_id")


async def payment_list(request: web.Request) -> web.Response:
    """``GET /api/v1/payments``: newest first."""
    return await merchant_page(request, payments.list_payments)


async def payment_capture(request: web.Request) -> web.Response:
    """``POST /api/v1/payments/{payment_id}/capture`` ``{"amount"}``."""
    merchant = await require_merchant(request)
    body = await read_json_object(request)
    async with request.app[POOL].acquire() as conn, conn.transaction():
        payment = await payments.capture_payment(
            conn, merchant.id, request.match_info["payment_id"], body
        )
    return json_response(payment.to_json())


# ----- refunds -----


async def refund_create(request: web.Request) -> web.Response:
    """``POST /api/v1/payments/{payment_id}/refunds`` → 201 ``pending``."""
    merchant = await require_merchant(request)
    body = await read_json_object(request)
    new = refunds.parse_new_refund(body)
    payment_id = request.match_info["payment_id"]
    queue = request.app[QUEUE]
    process_in = payments.processing_delay(request.app[SETTINGS], *refunds.PROCESSING_SECONDS)

    async def create(conn: asyncpg.Connection) -> refunds.Refund:
        return await refunds.create_refund(conn, queue, merchant.id, payment_id, new, process_in)

    with delivering_after_commit(request):
        return await create_idempotently(request, merchant.id, body, create)


async def refund_list(request: web.Request) -> web.Response:
    """``GET /api/v1/payments/{payment_id}/refunds``: newest first."""
    merchant = await require_merchant(request)
    payment_id = request.match_info["payment_id"]
    return await page_response(
        request,
        lambda conn, asked: refunds.list_refunds(conn, merchant.id, payment_id, asked),
    )


async def refund_detail(request: web.Request) -> web.Response:
    """``GET /api/v1/refunds/{refund_id}``."""
    return await merchant_object(request, refunds.get_refund, "refund_id")


# ----- webhook delivery log -----


async def webhooks_list(request: web.Request) -> web.Response:
    """``GET /api/v1/webhooks``: the merchant's delivery log, newest first."""
    return await merchant_page(request, webhooks.list_deliveries)


async def webhook_retry(request: web.Request) -> web.Response:
    """``POST /api/v1/webhooks/{id}/retry``: reset attempts and deliver again now."""
    merchant = await require_merchant(request)
    delivery_id = _parse_id(request.match_info["webhook_id"])
    async with request.app[POOL].acquire() as conn, conn.transaction():
        if not await webhooks.retry_delivery(conn, merchant.id, delivery_id):
            raise NotFoundError("webhook not found")
    log.info("webhook_retry_scheduled", delivery_id=str(delivery_id))
    request.app[OUTBOX].retry_now(delivery_id)
    return json_response(
        {"id": str(delivery_id), "status": "pending", "message": "Webhook retry scheduled"}
    )


def _parse_id(raw: str) -> uuid.UUID:
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise NotFoundError("webhook not found") from None
