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
        tasks.PURGE_DASHBOARD_SESSIONS,
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
    # No deferrer of DELIVER_WEBHOOK: the outbox delivers webhooks without jobs.
    assert deferrers == {
        "defer_payment_processing",
        "defer_refund_processing",
    }, "a new deferrer needs its case below"
    connector = InMemoryConnector()
    queue = procrastinate.App(connector=connector)
    async with queue.open_async():
        # The in-memory connector ignores the connection: only the task name matters here.
        conn = cast(asyncpg.Connection, None)
        await tasks.defer_payment_processing(conn, queue, "pay_1", delay=0)
        await tasks.defer_refund_processing(conn, queue, "rfnd_1", delay=5)
    deferred = [job["task_name"] for job in connector.jobs.values()]
    assert deferred == [tasks.PROCESS_PAYMENT, tasks.PROCESS_REFUND]
    assert set(deferred) <= REGISTERED


async def test_settlement_goes_before_other_jobs() -> None:
    connector = InMemoryConnector()
    queue = procrastinate.App(connector=connector)
    conn = cast(asyncpg.Connection, None)
    async with queue.open_async():
        await tasks.defer_payment_processing(conn, queue, "pay_1", delay=0)
        await tasks.defer_refund_processing(conn, queue, "rfnd_1", delay=0)
    # Other parts' jobs are deferred with the default priority, 0.
    assert {job["priority"] for job in connector.jobs.values()} == {tasks.SETTLEMENT_PRIORITY}
    assert tasks.SETTLEMENT_PRIORITY > 0
