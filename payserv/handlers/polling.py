"""User payments API and the built-in flaky status API (DESIGN §6)."""

from __future__ import annotations

import asyncio
import random
import uuid

from aiohttp import web

from payserv.auth import require_user
from payserv.context import POOL, QUEUE, SETTINGS
from payserv.errors import NotFoundError
from payserv.money import parse_decimal_amount
from payserv.polling.flaky_status import SLOW_ANSWER_SECONDS, draw_answer
from payserv.polling.payments import create_payment, get_payment, list_payments
from payserv.web import fetch_json_page, json_response, read_json_object

# Tests put a seeded Random here; production draws from the system's randomness.
STATUS_RANDOM = web.AppKey("status_random", random.Random)


async def create_user_payment(request: web.Request) -> web.Response:
    """``POST /api/payments/``: a pending payment and its status-check job, together."""
    user = await require_user(request)
    body = await read_json_object(request)
    amount = parse_decimal_amount(body.get("amount"), field="amount")
    async with request.app[POOL].acquire() as conn, conn.transaction():
        payment = await create_payment(conn, request.app[QUEUE], user.id, amount)
    return json_response({"status": "success", "object": payment.to_json()}, status=201)


async def list_user_payments(request: web.Request) -> web.Response:
    """``GET /api/payments/``: the caller's payments as a plain list (the seed's shape).

    The page's total and ``has_more`` of DESIGN §2 travel as headers: ``X-Total-Count``,
    ``X-Has-More`` (``true``/``false``).
    """
    user = await require_user(request)
    page, _ = await fetch_json_page(
        request, lambda conn, asked: list_payments(conn, user.id, asked)
    )
    headers = {"X-Total-Count": str(page.total), "X-Has-More": "true" if page.has_more else "false"}
    return json_response(page.items, headers=headers)


async def get_user_payment(request: web.Request) -> web.Response:
    """``GET /api/payments/{id}``: only the caller's own."""
    user = await require_user(request)
    try:
        payment_id = uuid.UUID(request.match_info["id"])
    except ValueError:
        raise NotFoundError() from None
    async with request.app[POOL].acquire() as conn:
        payment = await get_payment(conn, payment_id, user.id)
    return json_response(payment.to_json())


async def check_payment_status(request: web.Request) -> web.StreamResponse:
    """``POST /api/check_payment_status/``: irregular at CHECK_STATUS_FAILURE_RATE."""
    rng = request.app.get(STATUS_RANDOM) or random.SystemRandom()
    answer = draw_answer(rng, request.app[SETTINGS].check_status_failure_rate)
    if answer in ("completed", "failed"):
        return json_response({"payment_status": answer})
    if answer == "non_json":
        return web.Response(text="<html>upstream hiccup</html>", content_type="text/html")
    if answer == "slow":
        await asyncio.sleep(SLOW_ANSWER_SECONDS)
        return json_response({"payment_status": "completed"})
    return json_response({"error": "irregular response"}, status=int(answer))
