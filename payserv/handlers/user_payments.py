"""User payments API and the built-in flaky status API (DESIGN §6)."""

from __future__ import annotations

import asyncio
import random
import uuid

from aiohttp import web

from payserv.auth import require_user
from payserv.context import POOL, QUEUE, SETTINGS
from payserv.errors import NotFoundError
from payserv.jobs.status_polling import CHECK_PAYMENT_STATUS
from payserv.money import parse_decimal_amount
from payserv.queue import defer
from payserv.status_polling import get_payment, insert_payment, list_payments
from payserv.web import json_response, pagination, read_json_object

# Tests put a seeded Random here; production draws from the system's randomness.
STATUS_RANDOM = web.AppKey("status_random", random.Random)
IRREGULAR_ANSWERS = ("500", "502", "503", "429", "non_json", "slow")
SLOW_ANSWER_SECONDS = 3.0
FAILED_PROBABILITY = 0.1


async def create_payment(request: web.Request) -> web.Response:
    """``POST /api/payments/``: a pending payment and its status-check job, together."""
    user = await require_user(request)
    body = await read_json_object(request)
    amount = parse_decimal_amount(body.get("amount"), field="amount")
    async with request.app[POOL].acquire() as conn, conn.transaction():
        payment = await insert_payment(conn, user.id, amount)
        await defer(conn, request.app[QUEUE], CHECK_PAYMENT_STATUS, payment_id=str(payment.id))
    return json_response({"status": "success", "object": payment.to_json()}, status=201)


async def list_user_payments(request: web.Request) -> web.Response:
    """``GET /api/payments/``: the caller's payments as a plain list (the seed's shape)."""
    user = await require_user(request)
    limit, offset = pagination(request)
    async with request.app[POOL].acquire() as conn:
        payments, total = await list_payments(conn, user.id, limit, offset)
    return json_response([p.to_json() for p in payments], headers={"X-Total-Count": str(total)})


async def get_user_payment(request: web.Request) -> web.Response:
    """``GET /api/payments/{id}``: only the caller's own."""
    user = await require_user(request)
    try:
        payment_id = uuid.UUID(request.match_info["id"])
    except ValueError:
        raise NotFoundError() from None
    async with request.app[POOL].acquire() as conn:
        payment = await get_payment(conn, payment_id, user.id)
    if payment is None:
        raise NotFoundError()
    return json_response(payment.to_json())


async def check_payment_status(request: web.Request) -> web.StreamResponse:
    """``POST /api/check_payment_status/``: irregular at CHECK_STATUS_FAILURE_RATE."""
    rng = request.app.get(STATUS_RANDOM) or random.SystemRandom()
    if rng.random() < request.app[SETTINGS].check_status_failure_rate:
        return await _irregular(rng.choice(IRREGULAR_ANSWERS))
    status = "failed" if rng.random() < FAILED_PROBABILITY else "completed"
    return json_response({"payment_status": status})


async def _irregular(kind: str) -> web.StreamResponse:
    if kind == "non_json":
        return web.Response(text="<html>upstream hiccup</html>", content_type="text/html")
    if kind == "slow":
        # Longer than the checker's default 2 s timeout.
        await asyncio.sleep(SLOW_ANSWER_SECONDS)
        return json_response({"payment_status": "completed"})
    return json_response({"error": "irregular response"}, status=int(kind))
