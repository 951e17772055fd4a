"""``create_app``: the aiohttp application with its pool, queue, HTTP client and worker."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import replace

import aiohttp
import aiohttp_jinja2
import jinja2
from aiohttp import web

from payserv.context import HTTP, METRICS, OUTBOX, POOL, QUEUE, SETTINGS
from payserv.database import create_pool
from payserv.gateway.delivery import outbound_session
from payserv.gateway.outbox import Outbox
from payserv.jobs import all_jobs
from payserv.metrics import create_metrics
from payserv.middleware import request_middleware, trailing_slash_middleware
from payserv.pages import csrf_middleware, page_headers_middleware
from payserv.queue import JobDeps, JobSpec, WorkerRunner, build_queue_app
from payserv.routes import setup_routes
from payserv.settings import Settings
from payserv.shipped import shipped_path

TEMPLATES_DIR = shipped_path("templates")


def create_app(
    settings: Settings,
    dsn: str,
    *,
    run_worker: bool = True,
    serve_http: bool = True,
    jobs: list[JobSpec] | None = None,
) -> web.Application:
    """The application; nothing connects until it starts (``cleanup_ctx``).

    ``run_worker`` runs a Procrastinate worker in this process; ``serve_http`` adds the
    routes (a worker-only process has none). ``jobs`` replaces the registered jobs (tests).
    """
    app = web.Application(
        # Page headers outermost, so the error pages request_middleware renders get them too.
        # The slash redirect inside request_middleware, so it is logged with a request id.
        middlewares=[
            page_headers_middleware,
            request_middleware,
            trailing_slash_middleware,
            csrf_middleware,
        ],
        client_max_size=settings.max_body_bytes,
    )
    app[SETTINGS] = settings
    app[METRICS] = create_metrics()
    aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=jinja2.select_autoescape(["html"]),
    )
    app.cleanup_ctx.append(_database(dsn))
    app.cleanup_ctx.append(_queue(dsn, all_jobs() if jobs is None else jobs))
    app.cleanup_ctx.append(_http_client)
    app.cleanup_ctx.append(_outbox)
    if run_worker:
        app.cleanup_ctx.append(_worker)
    if serve_http:
        setup_routes(app)
    return app


def _database(dsn: str) -> Callable[[web.Application], AsyncIterator[None]]:
    async def pool_context(app: web.Application) -> AsyncIterator[None]:
        app[POOL] = await create_pool(dsn, app[SETTINGS].db_pool_size)
        yield
        await app[POOL].close()

    return pool_context


def _queue(dsn: str, jobs: list[JobSpec]) -> Callable[[web.Application], AsyncIterator[None]]:
    async def queue_context(app: web.Application) -> AsyncIterator[None]:
        queue = build_queue_app(dsn, app[SETTINGS], jobs)
        await queue.open_async(pool=app[POOL])
        app[QUEUE] = queue
        yield
        await queue.close_async()

    return queue_context


async def _http_client(app: web.Application) -> AsyncIterator[None]:
    # One session for every outbound call; each call still sets its own timeout.
    app[HTTP] = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
    yield
    await app[HTTP].close()


async def _outbox(app: web.Application) -> AsyncIterator[None]:
    # Webhook deliveries get a session of their own that refuses private addresses (DESIGN §2).
    webhook_http = outbound_session(app[SETTINGS].allows_private_webhook_urls)
    deps = JobDeps(
        app[POOL],
        app[SETTINGS],
        app[QUEUE],
        app[HTTP],
        metrics=app[METRICS],
        webhook_http=webhook_http,
    )
    app[OUTBOX] = Outbox(deps)
    yield
    # After the worker stopped (cleanup runs in reverse): in-flight attempts finish.
    await app[OUTBOX].close(app[SETTINGS].shutdown_timeout)
    await webhook_http.close()


async def _worker(app: web.Application) -> AsyncIterator[None]:
    outbox = app[OUTBOX]
    # Jobs hand what they commit to this process's outbox (their slot is free at once).
    job_deps = replace(outbox.deps, hand_off=outbox.hand_off)
    runner = WorkerRunner(app[QUEUE], job_deps, app[SETTINGS])
    runner.start()
    # Every worker process sweeps the outbox: retries and deliveries whose committer died.
    sweeper = asyncio.create_task(
        outbox.run_sweeper(app[SETTINGS].webhook_sweep_interval), name="payserv-outbox-sweeper"
    )
    yield
    sweeper.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await sweeper
    await runner.stop()
