"""The gateway's task names are registered jobs, and its deferrers defer exactly those."""

from __future__ import annotations

import inspect
from typing import cast

import asyncpg
import procrastinate
from procrastinate.testing import InMemoryConnector

from payserv.gateway import tasks
from payserv.jobs import all_jobs

REGISTERED = {spec.name for spec in all_jobs()}


def test_every_task_name_is_a_registered_job() -> None:
    names = {
        value for name, value in vars(tasks).items() if name.isupper() and isinstance(value, str)
    }
    assert names == {
        tasks.PROCESS_PAYMENT,
        tasks.PROCESS_REFUND,
        tasks.DELIVER_WEBHOOK,
        tasks.PURGE_IDEMPOTENCY_KEYS,
    }
    assert names <= REGISTERED


async def test_every_deferrer_defers_a_registered_job() -> None:
    deferrers = {
        name
        for name, value in vars(tasks).items()
        if name.startswith("defer_")
        and inspect.iscoroutinefunction(value)
        and value.__module__ == tasks.__name__
    }
    assert deferrers == {
        "defer_payment_processing",
        "defer_refund_processing",
        "defer_webhook_delivery",
    }, "a new deferrer needs its case below"
    connector = InMemoryConnector()
    queue = procrastinate.App(connector=connector)
    async with queue.open_async():
        # The in-memory connector ignores the connection: only the task name matters here.
        conn = cast(asyncpg.Connection, None)
        await tasks.defer_payment_processing(conn, queue, "pay_1", delay=0)
        await tasks.defer_refund_processing(conn, queue, "rfnd_1", delay=5)
        await tasks.defer_webhook_delivery(
            conn, queue, "d-1", event="payment.created", generation=0, attempt=1
        )
    deferred = [job["task_name"] for job in connector.jobs.values()]
    assert deferred == [tasks.PROCESS_PAYMENT, tasks.PROCESS_REFUND, tasks.DELIVER_WEBHOOK]
    assert set(deferred) <= REGISTERED


async def test_settlement_and_final_states_go_before_announcements() -> None:
    connector = InMemoryConnector()
    queue = procrastinate.App(connector=connector)
    conn = cast(asyncpg.Connection, None)
    async with queue.open_async():
        for event in ("payment.created", "payment.pending", "refund.created"):
            await tasks.defer_webhook_delivery(
                conn, queue, event, event=event, generation=0, attempt=1
            )
        for event in ("payment.success", "payment.failed", "refund.processed"):
            await tasks.defer_webhook_delivery(
                conn, queue, event, event=event, generation=0, attempt=1
            )
        await tasks.defer_payment_processing(conn, queue, "pay_1", delay=0)
        await tasks.defer_refund_processing(conn, queue, "rfnd_1", delay=0)
    priority = {
        job["args"].get("delivery_id") or job["task_name"]: job["priority"]
        for job in connector.jobs.values()
    }
    announcements = {priority[e] for e in ("payment.created", "payment.pending", "refund.created")}
    finals = {priority[e] for e in ("payment.success", "payment.failed", "refund.processed")}
    settlements = {priority[tasks.PROCESS_PAYMENT], priority[tasks.PROCESS_REFUND]}
    assert max(announcements) < min(finals) and max(finals) < min(settlements)
