"""Health and queue status (DESIGN §4): read the real database and worker heartbeats."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import asyncpg
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from payserv.context import METRICS, POOL, SETTINGS
from payserv.database import CONNECTION_ERRORS
from payserv.fields import isoformat
from payserv.metrics import JOB_STATUSES
from payserv.queries import query
from payserv.settings import Settings
from payserv.web import json_response

HEALTH_TIMEOUT_SECONDS = 2.0


def heartbeat_window(settings: Settings) -> float:
    """A worker is live while its last heartbeat is younger than this."""
    return max(3 * settings.worker_heartbeat_interval, 5.0)


async def live_worker_count(conn: asyncpg.Connection, settings: Settings) -> int:
    """Workers with a fresh Procrastinate heartbeat, in any process."""
    return int(await conn.fetchval(query("live_workers"), heartbeat_window(settings)))


async def health(request: web.Request) -> web.Response:
    """``healthy``, ``degraded`` (no live worker) or ``unhealthy`` (503, no database)."""
    now = isoformat(datetime.now(UTC))
    try:
        async with asyncio.timeout(HEALTH_TIMEOUT_SECONDS):
            async with request.app[POOL].acquire() as conn:
                workers = await live_worker_count(conn, request.app[SETTINGS])
    except CONNECTION_ERRORS:
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
        rows = await conn.fetch(query("job_counts"))
        workers = await live_worker_count(conn, request.app[SETTINGS])
    counts = {row["status"]: row["count"] for row in rows}
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
        rows = await conn.fetch(query("job_counts"))
    counts = {row["status"]: row["count"] for row in rows}
    for status in JOB_STATUSES:
        metrics.queue_depth.labels(status).set(counts.get(status, 0))
    body = generate_latest(metrics.registry)
    response = web.Response(body=body)
    response.content_type = CONTENT_TYPE_LATEST.split(";")[0]
    return response
