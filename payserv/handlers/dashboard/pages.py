"""Dashboard pages: overview (credentials, stats, chart), transactions, one payment, docs."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import asyncpg
from aiohttp import web

from payserv.context import POOL, QUEUE, SETTINGS
from payserv.errors import BadRequestError
from payserv.gateway import credentials, payments, refunds, stats
from payserv.gateway.merchants import Merchant
from payserv.handlers.dashboard.session import (
    form_fields,
    merchant_page,
    render,
    see_other,
    text_field,
)
from payserv.handlers.gateway import delivering_after_commit
from payserv.handlers.openapi import openapi_document
from payserv.listing import PageRequest
from payserv.money import currency_exponent, parse_decimal_amount, to_minor_units


@merchant_page
async def overview(request: web.Request, merchant: Merchant) -> web.StreamResponse:
    """``GET /dashboard``."""
    return await _overview(request, merchant, new_api_secret=None)


async def _overview(
    request: web.Request, merchant: Merchant, new_api_secret: str | None
) -> web.Response:
    async with request.app[POOL].acquire() as conn:
        summary = await stats.payment_stats(conn, merchant.id)
        chart = await stats.daily_chart(conn, merchant.id)
    context = {"stats": summary, "chart": chart, "new_api_secret": new_api_secret}
    return render(request, "overview.html", merchant, context)


@merchant_page
async def roll_api_secret(request: web.Request, merchant: Merchant) -> web.StreamResponse:
    """``POST /dashboard/api-secret``: a new API secret, shown on this response only."""
    async with request.app[POOL].acquire() as conn:
        api_secret = await credentials.roll_api_secret(conn, merchant.id)
    return await _overview(request, merchant, new_api_secret=api_secret)


@merchant_page
async def transactions(request: web.Request, merchant: Merchant) -> web.StreamResponse:
    """``GET /dashboard/transactions``: 20 a page, newest first, ``?status=`` ``?method=``."""
    where = stats.parse_filter(dict(request.query))
    async with request.app[POOL].acquire() as conn:
        page, has_more = await stats.transactions(conn, merchant.id, where)
    next_query = None
    if has_more:
        params = {"status": where.status, "method": where.method, "starting_after": page[-1].id}
        next_query = {name: value for name, value in params.items() if value}
    context = {
        "payments": page,
        "where": where,
        "next_url": request.rel_url.with_query(next_query) if next_query else None,
        "statuses": stats.STATUSES,
        "methods": stats.METHODS,
        "format_amount": stats.format_amount,
    }
    return render(request, "transactions.html", merchant, context)


@merchant_page
async def payment_detail(request: web.Request, merchant: Merchant) -> web.StreamResponse:
    """``GET /dashboard/payments/{payment_id}``: the payment, its refunds, capture, refund."""
    return await _payment_page(request, merchant, error=None)


async def _payment_page(
    request: web.Request, merchant: Merchant, error: str | None, status: int = 200
) -> web.Response:
    payment_id = request.match_info["payment_id"]
    async with request.app[POOL].acquire() as conn:
        payment = await payments.get_payment(conn, merchant.id, payment_id)
        payment_refunds = (
            await refunds.list_refunds(conn, merchant.id, payment_id, PageRequest(limit=100))
        ).items
    context = {
        "payment": payment,
        "refunds": payment_refunds,
        "refundable": payment.amount - sum(r.amount for r in payment_refunds),
        "error": error,
        "notice": {"captured": "Payment captured.", "refunded": "Refund created."}.get(
            request.query.get("done", "")
        ),
        "format_amount": stats.format_amount,
        "units": stats.units,
    }
    return render(request, "payment.html", merchant, context, status)


@merchant_page
async def capture(request: web.Request, merchant: Merchant) -> web.StreamResponse:
    """``POST /dashboard/payments/{payment_id}/capture``: the API's capture, for the full amount."""
    payment_id = request.match_info["payment_id"]
    try:
        async with request.app[POOL].acquire() as conn, conn.transaction():
            payment = await payments.get_payment(conn, merchant.id, payment_id)
            await payments.capture_payment(
                conn, merchant.id, payment_id, {"amount": payment.amount}
            )
    except BadRequestError as exc:
        return await _payment_page(request, merchant, exc.description, 400)
    return see_other(f"/dashboard/payments/{payment_id}?done=captured")


@merchant_page
async def refund(request: web.Request, merchant: Merchant) -> web.StreamResponse:
    """``POST /dashboard/payments/{payment_id}/refunds``: the API's refund; amount in units."""
    payment_id = request.match_info["payment_id"]
    form = await form_fields(request)
    try:
        # Like the API: refund.created goes out right after the commit, from this process.
        with delivering_after_commit(request):
            async with request.app[POOL].acquire() as conn, conn.transaction():
                await _create_refund(request, conn, merchant, payment_id, form)
    except BadRequestError as exc:
        return await _payment_page(request, merchant, exc.description, 400)
    return see_other(f"/dashboard/payments/{payment_id}?done=refunded")


async def _create_refund(
    request: web.Request,
    conn: asyncpg.Connection,
    merchant: Merchant,
    payment_id: str,
    form: Any,
) -> None:
    payment = await payments.get_payment(conn, merchant.id, payment_id)
    places = currency_exponent(payment.currency)
    amount = parse_decimal_amount(
        text_field(form, "amount", 40).strip(), field="amount", max_places=places
    )
    reason = text_field(form, "reason", 1024).strip() or None
    new = refunds.parse_new_refund(
        {"amount": to_minor_units(amount, payment.currency), "reason": reason}
    )
    delay = payments.processing_delay(request.app[SETTINGS], *refunds.PROCESSING_SECONDS)
    await refunds.create_refund(conn, request.app[QUEUE], merchant.id, payment_id, new, delay)


@cache
def api_endpoints() -> list[tuple[str, str, str]]:
    """(method, path, summary) of every gateway operation in ``/api/openapi.json``."""
    document = json.loads(openapi_document())
    return [
        (method.upper(), path, operation.get("summary", ""))
        for path, item in document["paths"].items()
        if path.startswith("/api/v1/")
        for method, operation in item.items()
        if isinstance(operation, dict) and "operationId" in operation
    ]


@merchant_page
async def docs(request: web.Request, merchant: Merchant) -> web.StreamResponse:
    """``GET /dashboard/docs``: the integration guide with the merchant's own API key."""
    base_url = f"{request.scheme}://{request.host}"
    context = {"endpoints": api_endpoints(), "base_url": base_url}
    return render(request, "docs.html", merchant, context)
