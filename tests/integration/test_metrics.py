"""GET /metrics: Prometheus text with HTTP, job and queue figures of this app."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable

from aiohttp.test_utils import TestServer
from prometheus_client.parser import text_string_to_metric_families

from payserv.context import POOL, QUEUE
from payserv.jobs import all_jobs
from payserv.queue import defer
from tests.conftest import AppFactory
from tests.helpers.jobs import RECORD, RUNS
from tests.helpers.webhook_receiver import start_receiver, wait_until
from tests.integration.gateway.conftest import MERCHANT, create_order, create_payment


def _samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


async def test_metrics_count_requests_jobs_and_queue(start_app: AppFactory) -> None:
    client = await start_app(jobs=[*all_jobs(), RECORD])
    for _ in range(3):
        assert (await client.get("/health")).status == 200
    assert (await client.get("/no/such/thing/123")).status == 404
    marker = f"metrics-{uuid.uuid4()}"
    async with client.app[POOL].acquire() as conn, conn.transaction():
        await defer(conn, client.app[QUEUE], "tests.record", marker=marker)
    await asyncio.wait_for(RUNS[marker].get(), timeout=10)

    succeeded = ("payserv_queue_jobs", frozenset({("status", "succeeded")}))
    async with asyncio.timeout(10):  # the worker marks the job succeeded just after it ran
        while True:
            response = await client.get("/metrics")
            assert response.status == 200
            samples = _samples(await response.text())
            if samples[succeeded] >= 1:
                break
            await asyncio.sleep(0.05)
    assert response.content_type == "text/plain"
    health = frozenset({("method", "GET"), ("route", "/health"), ("status", "200")})
    assert samples[("payserv_http_requests_total", health)] == 3  # /metrics is not /health
    # Unknown paths share one series instead of one per path.
    unmatched = frozenset({("method", "GET"), ("route", "unmatched"), ("status", "404")})
    assert samples[("payserv_http_requests_total", unmatched)] == 1
    latency = frozenset({("method", "GET"), ("route", "/health")})
    assert samples[("payserv_http_request_duration_seconds_count", latency)] == 3
    job = frozenset({("task", "tests.record"), ("outcome", "succeeded")})
    assert samples[("payserv_jobs_total", job)] >= 1
    assert ("payserv_queue_jobs", frozenset({("status", "todo")})) in samples


async def test_metrics_count_webhook_deliveries_by_outcome(
    start_app: AppFactory, aiohttp_server: Callable[..., Awaitable[TestServer]]
) -> None:
    receiver = await start_receiver(aiohttp_server, fail_first=1)
    client = await start_app(
        test_payment_success=True, webhook_retry_intervals_test=True, webhook_time_scale=0.01
    )
    await client.patch("/api/v1/merchant", json={"webhook_url": receiver.url}, headers=MERCHANT)
    order = await create_order(client)
    await create_payment(client, order["id"])
    # created, pending, success: 3 deliveries, the first attempt of one of them fails.
    await receiver.wait_calls(4)

    async def counted() -> dict[tuple[str, frozenset[tuple[str, str]]], float] | None:
        samples = _samples(await (await client.get("/metrics")).text())
        success = ("payserv_webhook_deliveries_total", frozenset({("outcome", "success")}))
        return samples if samples.get(success) == 3 else None

    samples = await wait_until(counted)
    pending = ("payserv_webhook_deliveries_total", frozenset({("outcome", "pending")}))
    assert samples[pending] == 1  # a failed attempt with retries left
