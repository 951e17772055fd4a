"""A merchant slow to answer its webhooks holds no worker slot (DESIGN §4, §9)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable

import asyncpg
from aiohttp import web
from aiohttp.test_utils import TestServer

from payserv.gateway import tasks
from tests.conftest import AppFactory
from tests.integration.gateway.conftest import create_order, create_payment
from tests.integration.gateway_webhooks.conftest import set_webhook_url, wait_for

JOB_DONE = "SELECT bool_and(status = 'succeeded') FROM procrastinate_jobs WHERE task_name = $1"
DELIVERED = "SELECT status FROM webhook_deliveries WHERE event = 'payment.success'"


async def test_the_settle_job_ends_while_its_webhook_waits_for_the_merchant(
    start_app: AppFactory,
    db: asyncpg.Connection,
    aiohttp_server: Callable[..., Awaitable[TestServer]],
) -> None:
    answer, success_arrived = asyncio.Event(), asyncio.Event()

    async def merchant(request: web.Request) -> web.Response:
        if json.loads(await request.read())["event"] == "payment.success":
            success_arrived.set()
            await answer.wait()  # the merchant takes its time (up to the 5 s timeout)
        return web.Response(status=200)

    app = web.Application()
    app.router.add_post("/hook", merchant)
    server = await aiohttp_server(app)
    await set_webhook_url(db, str(server.make_url("/hook")))
    client = await start_app(test_payment_success=True, test_processing_delay_ms=0)
    order = await create_order(client)
    await create_payment(client, order["id"])

    await asyncio.wait_for(success_arrived.wait(), timeout=15)
    # The job has ended (its slot is free for the next payment) while the POST still waits.
    assert await wait_for(lambda: db.fetchval(JOB_DONE, tasks.PROCESS_PAYMENT))
    assert await db.fetchval(DELIVERED) == "pending"
    answer.set()
    assert await wait_for(lambda: db.fetchval(DELIVERED + " AND status = 'success'"))
