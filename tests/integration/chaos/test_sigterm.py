"""SIGTERM under load: in-flight requests get their 2xx, running jobs finish, exit 0.

The requests are held in flight by row locks this test takes (a bank credit waits on its
organization's row, a payment on its order's); the running jobs are webhook deliveries to a
receiver that answers slowly.
"""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

import aiohttp
import asyncpg

from bench.bank import operation, valid_inns
from tests.helpers.processes import (
    MERCHANT,
    create_payment,
    post_json,
    receiving,
    running,
    wait_for,
)

BANK_REQUESTS = 5
PAYMENT_REQUESTS = 3


async def test_sigterm_lets_requests_and_jobs_finish_then_exits_0(
    dsn: str, db: asyncpg.Connection, tmp_path: Path
) -> None:
    [inn] = valid_inns(1, random.Random(3))
    async with (
        receiving(delay=1.5) as receiver,
        running(
            "serve",
            dsn,
            tmp_path / "payserv.log",
            TEST_MERCHANT_WEBHOOK_URL=receiver.url,
            SHUTDOWN_TIMEOUT="30",
        ) as payserv,
        aiohttp.ClientSession(headers=MERCHANT) as http,
    ):
        url = payserv.url
        assert (await post_json(http, f"{url}/api/webhook/bank/", operation(inn)))[0] == 200
        orders = [
            (await post_json(http, f"{url}/api/v1/orders", {"amount": 1000}))[1]["id"]
            for _ in range(PAYMENT_REQUESTS)
        ]
        # Slow deliveries of these payments' webhooks are the jobs running at SIGTERM.
        for amount in (1000, 2000, 3000):
            await create_payment(http, url, amount, "success@razorpay")

        async def delivering() -> bool:
            return receiver.calls - receiver.answered >= 3

        await wait_for(delivering, "webhook deliveries in progress", 30)

        async with db.transaction():
            await db.execute("SELECT 1 FROM bank_organizations WHERE inn = $1 FOR UPDATE", inn)
            await db.execute("SELECT 1 FROM gateway_orders WHERE id = ANY($1) FOR UPDATE", orders)
            in_flight = [
                asyncio.create_task(post_json(http, f"{url}/api/webhook/bank/", operation(inn)))
                for _ in range(BANK_REQUESTS)
            ] + [
                asyncio.create_task(
                    post_json(
                        http,
                        f"{url}/api/v1/payments",
                        {"order_id": order, "method": "upi", "vpa": "success@razorpay"},
                    )
                )
                for order in orders
            ]

            async def all_waiting() -> bool:
                # Statistics are a snapshot per transaction unless cleared.
                await db.execute("SELECT pg_stat_clear_snapshot()")
                waiting = await db.fetchval(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
                return bool(waiting == len(in_flight))

            await wait_for(all_waiting, "every request waiting on its row lock", 30)
            assert receiver.calls > receiver.answered, "deliveries still running at SIGTERM"
            payserv.terminate()
            await wait_for(lambda: _refused(url), "payserv stops accepting connections", 30)
            # The transaction ends here: the rows unlock and the requests go on.
        answers = await asyncio.gather(*in_flight)
        assert [status for status, _ in answers] == [200] * BANK_REQUESTS + [
            201
        ] * PAYMENT_REQUESTS, answers
        assert await payserv.exit_code(timeout=60) == 0, payserv.output()

    # Every delivery the receiver answered was recorded; no job was cut off mid-run.
    delivered = await db.fetchval(
        "SELECT count(*) FROM webhook_deliveries WHERE status = 'success'"
    )
    assert delivered == receiver.answered == receiver.calls
    assert not await db.fetchval("SELECT count(*) FROM procrastinate_jobs WHERE status = 'doing'")
    balance = await db.fetchval("SELECT balance FROM bank_organizations WHERE inn = $1", inn)
    assert balance == 1000 * (1 + BANK_REQUESTS)


async def _refused(url: str) -> bool:
    host, port = url.removeprefix("http://").split(":")
    try:
        _, writer = await asyncio.open_connection(host, int(port))
    except OSError:
        return True
    writer.close()
    return False
