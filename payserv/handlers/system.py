"""Health and queue status (DESIGN §4): read the real database and worker heartbeats."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from payserv.context import METRICS, POOL, SETTINGS
from payserv.database import is_connection_loss
from payserv.fields import isoformat
from payserv.health import job_counts, live_worker_count
from payserv.metrics import JOB_STATUSES
from payserv.web import json_response

HEALTH_TIMEOUT_SECONDS = 2.0


async def health(request: web.Request) -> web.Response:
    """``healthy``, ``degraded`` (no live worker) or ``unhealthy`` (503, no database)."""
    now = isoformat(datetime.now(UTC))
    try:
        async with asyncio.timeout(HEALTH_TIMEOUT_SECONDS):
            async with request.app[POOL].acquire() as conn:
                workers = await live_worker_count(conn, request.app[SETTINGS])
    except Exception as exc:
        if not is_connection_loss(exc):
            raise
        body = {
            "status": "unhealthy",
            "database": "disconnected",
            "worker": "stopped",
            "timestamp": now,
        }
        return json_response(body, status=503)
    body = {
        "status": "healthy" if workers else "degraded",
        "database": "connected",
        "worker": "running" if workers else "stopped",
        "timestamp": now,
    }
    return json_response(body)


async def jobs_status(request: web.Request) -> web.Response:
    """Counts of ``procrastinate_jobs`` by status, and whether a worker is live."""
    async with request.app[POOL].acquire() as conn:
        counts = await job_counts(conn)
        workers = await live_worker_count(conn, request.app[SETTINGS])
    return json_response(
        {
            "pending": counts.get("todo", 0),
            "processing": counts.get("doing", 0),
            "completed": counts.get("succeeded", 0),
            "failed": counts.get("failed", 0),
            "worker_status": "running" if workers else "stopped",
        }
    )


async def metrics_endpoint(request: web.Request) -> web.Response:
    """``GET /metrics``: Prometheus text format; queue depth is read at scrape time."""
    metrics = request.app[METRICS]
    async with request.app[POOL].acquire() as conn:
        counts = await job_counts(conn)
    for status in JOB_STATUSES:
        metrics.queue_depth.labels(status).set(counts.get(status, 0))
    body = generate_latest(metrics.registry)
    response = web.Response(body=body)
    response.content_type = CONTENT_TYPE_LATEST.split(";")[0]
    return response
