"""kill -9 of a worker process with 200 gateway payments in flight loses nothing (DESIGN §9).

``run.py web`` takes the requests; ``run.py worker`` settles the payments and delivers their
webhooks to a slow receiver in this test, so deliveries are running when it is killed. A
new worker retries the stalled jobs: every payment settles, every event arrives at least
once, and no job is left ``doing``.
"""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

import aiohttp
import asyncpg

from tests.helpers.processes import MERCHANT, create_payment, receiving, running, wait_for

PAYMENTS = 200
ENV = {
    "TEST_PROCESSING_DELAY": "300",
    "WEBHOOK_RETRY_INTERVALS_TEST": "true",
    "WEBHOOK_TIME_SCALE": "0.05",
    "STALLED_JOB_SECONDS": "3",
    "WORKER_HEARTBEAT_INTERVAL": "1",
}
DOING = "SELECT id FROM procrastinate_jobs WHERE status = 'doing'"
# A job settles its payment at once (it was scheduled for when the processor answers) and
# then delivers the final event to the receiver, which takes 0.2 s: one started in the last
# 0.1 s is certainly still running when the kill lands a moment later.
JUST_STARTED = """
SELECT 1 FROM procrastinate_jobs AS job
JOIN procrastinate_events AS event ON event.job_id = job.id AND event.type = 'started'
WHERE job.status = 'doing' AND event.at > now() - interval '100 milliseconds'
"""
UNSETTLED = "SELECT count(*) FROM gateway_payments WHERE status NOT IN ('success', 'failed')"


async def test_kill_9_worker_mid_flight_then_a_new_worker_finishes_everything(
    dsn: str, db: asyncpg.Connection, tmp_path: Path
) -> None:
    log = tmp_path / "payserv.log"
    async with (
        receiving(delay=0.2) as receiver,
        running("web", dsn, log, TEST_MERCHANT_WEBHOOK_URL=receiver.url, **ENV) as web,
        running("worker", dsn, log, TEST_MERCHANT_WEBHOOK_URL=receiver.url, **ENV) as worker,
        aiohttp.ClientSession(headers=MERCHANT) as http,
    ):
        payment_ids = await _create_payments(http, web.url)

        async def mid_flight() -> bool:
            pending = await db.fetchval(
                "SELECT count(*) FROM gateway_payments WHERE status = 'pending'"
            )
            return 0 < pending < PAYMENTS - 20 and bool(await db.fetch(JUST_STARTED))

        await wait_for(mid_flight, "some payments settled, others and jobs in flight", 60, 0.02)
        worker.kill()
        killed_jobs = [row["id"] for row in await db.fetch(DOING)]
        pending = await db.fetchval("SELECT count(*) FROM gateway_payments WHERE status='pending'")
        assert killed_jobs and pending, "the kill must hit running jobs and pending payments"

        async with running("worker", dsn, log, TEST_MERCHANT_WEBHOOK_URL=receiver.url, **ENV):

            async def all_settled() -> bool:
                return not await db.fetchval(UNSETTLED)

            await wait_for(all_settled, "every payment success or failed", 90, 0.2)

            async def all_delivered() -> bool:
                return receiver.delivered(payment_ids)

            await wait_for(all_delivered, "every event delivered at least once", 60, 0.2)

            # A killed job may have settled its payment before the kill and not yet recorded
            # its end: it is still re-run (a no-op on a settled payment) and must end succeeded.
            async def killed_jobs_succeeded() -> bool:
                statuses = await db.fetch(
                    "SELECT status::text FROM procrastinate_jobs WHERE id = ANY($1::bigint[])",
                    killed_jobs,
                )
                return {row["status"] for row in statuses} == {"succeeded"}

            await wait_for(killed_jobs_succeeded, "every killed job re-run to success", 30, 0.2)

            async def nothing_doing() -> bool:
                return not await db.fetch(DOING)

            await wait_for(nothing_doing, "no job left doing", 30, 0.2)

    # The order row lock held: one success per paid order, never two.
    paid = await db.fetchval("SELECT count(*) FROM gateway_orders WHERE status = 'paid'")
    successes = await db.fetchval("SELECT count(*) FROM gateway_payments WHERE status='success'")
    assert paid == successes > 0


async def _create_payments(http: aiohttp.ClientSession, url: str) -> list[str]:
    semaphore = asyncio.Semaphore(20)
    rng = random.Random(9)
    vpas = [
        rng.choice(("success@razorpay", "failure@razorpay", "user@bank")) for _ in range(PAYMENTS)
    ]

    async def create(n: int) -> str:
        async with semaphore:
            return await create_payment(http, url, 1000 + n, vpas[n])

    return list(await asyncio.gather(*(create(n) for n in range(PAYMENTS))))
