"""A Postgres outage in the middle of status-check schedules leaves no payment pending (§6).

The status API fails each payment's first 10 checks, so every payment needs its whole budget
of 10 retries. Postgres stops while checks are in flight: their answers cannot be recorded,
so they are not check results and must not use up the budget. Every payment still completes.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from bench.common import serve_local
from payserv.database import connect
from payserv.polling.backoff import MAX_STATUS_CHECK_RETRIES
from tests.helpers.processes import database_down, post_json, running, user_headers, wait_for

PAYMENTS = 20
OUTAGE_SECONDS = 8
HELD_AT_STOP = 5


@dataclass
class StatusAPI:
    """Answers 503 to a payment's first 10 counted calls, then ``completed``.

    Once half the schedule is done, calls wait at ``gate``; the ones answered while
    ``outage`` is set are not counted, since payserv cannot record their results.
    """

    counted: Counter[str] = field(default_factory=Counter)
    uncounted: int = 0
    held: int = 0
    outage: bool = False
    gate: asyncio.Event = field(default_factory=asyncio.Event)

    async def handle(self, request: web.Request) -> web.Response:
        payment_id = (await request.json())["payment_id"]
        if sum(self.counted.values()) >= PAYMENTS * 4 and not self.gate.is_set():
            self.held += 1
            await self.gate.wait()
        if self.outage:
            self.uncounted += 1
            return web.json_response({"error": "busy"}, status=503)
        self.counted[payment_id] += 1
        if self.counted[payment_id] <= MAX_STATUS_CHECK_RETRIES:
            return web.json_response({"error": "busy"}, status=503)
        return web.json_response({"payment_status": "completed"})


async def test_outage_mid_schedule_leaves_no_payment_pending(
    own_server: Any, tmp_path: Path
) -> None:
    dsn = own_server.get_uri()
    api = StatusAPI()
    app = web.Application()
    app.router.add_post("/status", api.handle)
    env = {"STATUS_POLL_TIME_SCALE": "0.01", "CHECK_STATUS_TIMEOUT": "30"}
    async with (
        serve_local(app) as status_url,
        running(
            "serve", dsn, tmp_path / "payserv.log", CHECK_STATUS_URL=f"{status_url}/status", **env
        ) as payserv,
        aiohttp.ClientSession() as http,
    ):
        http.headers.update(await user_headers(dsn, "poller"))
        for _ in range(PAYMENTS):
            status, body = await post_json(http, f"{payserv.url}/api/payments/", {"amount": "5"})
            assert status == 201, body

        async def held() -> bool:
            return api.held >= HELD_AT_STOP

        await wait_for(held, f"{HELD_AT_STOP} status calls in flight mid-schedule", 60)
        async with database_down(own_server, OUTAGE_SECONDS):
            api.outage = True
            api.gate.set()
            await wait_for(lambda: _answered_all_held(api), "held calls answered", 10)
        api.outage = False

        conn = await connect(dsn)
        try:

            async def completed() -> bool:
                statuses = await conn.fetch("SELECT payment_status FROM user_payments")
                return {row[0] for row in statuses} == {"completed"}

            await wait_for(completed, "every payment completed", 60, interval=0.2)
            failed_jobs = await conn.fetchval(
                "SELECT count(*) FROM procrastinate_jobs WHERE status = 'failed'"
                " AND task_name = 'polling.check_payment_status'"
            )
        finally:
            await conn.close()
    assert failed_jobs == 0, payserv.output()
    # The outage really cut checks short: their answers could not be recorded.
    assert api.uncounted >= HELD_AT_STOP


async def _answered_all_held(api: StatusAPI) -> bool:
    return api.uncounted >= api.held
