"""The Procrastinate app of one payserv process: job registry, deferring, worker.

Job functions are plain ``async def job(deps: JobDeps, **ids)``; :func:`build_queue_app`
registers them on a fresh ``procrastinate.App`` per process (or per test database),
so there is no module-level app to share between pools.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any

import aiohttp
import asyncpg
import procrastinate
import structlog
from procrastinate.job_context import JobContext
from procrastinate.retry import RetryValue

from payserv.connector import AsyncpgConnector
from payserv.database import is_connection_loss
from payserv.metrics import Metrics
from payserv.reconnect import ReconnectBackoff
from payserv.settings import Settings
from payserv.worker import run_worker

log = structlog.get_logger(__name__)

JobFunction = Callable[..., Awaitable[None]]
RetryFactory = Callable[[Settings], RetryValue]
CronFactory = Callable[[Settings], str]


@dataclass(frozen=True)
class JobDeps:
    """What a job may use: the pool, settings, the queue itself and HTTP sessions.

    ``webhook_http`` is for URLs merchants set (:func:`payserv.gateway.delivery.outbound_session`):
    it refuses private addresses, which ``http`` (our own providers, even on localhost) must not.
    """

    pool: asyncpg.Pool
    settings: Settings
    queue: procrastinate.App
    http: aiohttp.ClientSession
    job_id: int | None = None
    attempt: int = 0
    metrics: Metrics | None = None
    webhook_http: aiohttp.ClientSession | None = None
    # The process's webhook outbox (payserv.gateway.outbox.Outbox.hand_off): it attempts
    # what a job committed in the background, so the job's slot is free at once, however
    # slow the merchant. None where no outbox runs: the job attempts them itself.
    hand_off: Callable[[Any], None] | None = None


@dataclass(frozen=True)
class JobSpec:
    """A job: its task name, function, retry strategy and (for periodic jobs) schedule."""

    name: str
    function: JobFunction
    retry: RetryFactory | None = None
    cron: CronFactory | None = None


def build_queue_app(dsn: str, settings: Settings, specs: list[JobSpec]) -> procrastinate.App:
    """A Procrastinate app over our connector with every job of ``specs`` registered."""
    app = procrastinate.App(
        connector=AsyncpgConnector(dsn=dsn, retry_seconds=settings.db_retry_seconds)
    )
    for spec in specs:
        task = app.task(
            name=spec.name,
            pass_context=True,
            retry=spec.retry(settings) if spec.retry else False,
        )(_runner(spec))
        if spec.cron is not None:
            app.periodic(cron=spec.cron(settings), periodic_id=spec.name)(task)
    return app


def _runner(spec: JobSpec) -> Callable[..., Awaitable[None]]:
    async def run(context: JobContext, **kwargs: Any) -> None:
        deps: JobDeps = context.additional_context["deps"]
        job_deps = replace(deps, job_id=context.job.id, attempt=context.job.attempts)
        started = time.perf_counter()
        outcome = "failed"
        try:
            with structlog.contextvars.bound_contextvars(job=spec.name, job_id=context.job.id):
                await spec.function(job_deps, **kwargs)
            outcome = "succeeded"
        finally:
            if deps.metrics is not None:
                deps.metrics.jobs.labels(spec.name, outcome).inc()
                deps.metrics.job_duration.labels(spec.name).observe(time.perf_counter() - started)

    run.__name__ = spec.name.replace(".", "_")
    return run


async def defer(
    conn: asyncpg.Connection,
    queue: procrastinate.App,
    name: str,
    *,
    priority: int = 0,
    **kwargs: Any,
) -> int:
    """Defer job ``name`` on ``conn``: it exists only if the caller's transaction commits.

    Workers take due jobs by ``priority`` (higher first), then in the order deferred.
    """
    deferrer = queue.configure_task(name, connection=conn, priority=priority)
    return await deferrer.defer_async(**kwargs)


async def defer_at(
    conn: asyncpg.Connection,
    queue: procrastinate.App,
    name: str,
    schedule_in: float,
    *,
    priority: int = 0,
    **kwargs: Any,
) -> int:
    """Like :func:`defer`, to run ``schedule_in`` seconds from now (now if ≤ 0)."""
    if schedule_in <= 0:
        return await defer(conn, queue, name, priority=priority, **kwargs)
    deferrer = queue.configure_task(
        name, connection=conn, schedule_in={"seconds": schedule_in}, priority=priority
    )
    return await deferrer.defer_async(**kwargs)


def every_seconds_cron(seconds: float) -> str:
    """A six-field cron (croniter: seconds last) firing about every ``seconds``.

    Each field's step restarts at every minute (hour, day), so a step that does not divide
    it fires early once per cycle: "about".
    """
    whole = int(seconds)
    if whole < 60:
        return f"* * * * * */{max(1, whole)}"
    if whole < 3600:
        return f"*/{whole // 60} * * * * 0"
    return f"0 */{min(23, whole // 3600)} * * * 0"


_HEALTHY_RUN_SECONDS = 60.0


def retry_through_outages(settings: Settings) -> RetryValue:
    """Retries for idempotent jobs whose only failures are crashes (a database outage).

    Linear waits of 1, 3, 5, … 19 s: ten runs span about 100 s, more than the 60 s outage
    DESIGN §1 asks to survive, and a job never sits for minutes after the database is back
    (exponential waits would reach 17 minutes).
    """
    return procrastinate.RetryStrategy(max_attempts=10, wait=1, linear_wait=2)


class WorkerRunner:
    """Runs the Procrastinate worker and restarts it if it dies (e.g. a database outage).

    Procrastinate stops its worker when a side task (heartbeat, listener) fails, which
    a long outage causes; payserv must instead wait and go on (DESIGN §1).
    ``backoff`` and ``stop_margin`` are parameters so that tests can shorten them.
    """

    def __init__(
        self,
        queue: procrastinate.App,
        deps: JobDeps,
        settings: Settings,
        *,
        backoff: ReconnectBackoff | None = None,
        stop_margin: float = 15.0,
    ) -> None:
        self.queue = queue
        self.deps = deps
        self.settings = settings
        # A worker that ran for a while starts over with short waits.
        self._backoff = backoff or ReconnectBackoff(
            first=0.5, cap=10.0, healthy_after=_HEALTHY_RUN_SECONDS
        )
        # Beyond shutdown_timeout, Procrastinate still cancels its side tasks (up to 5 s)
        # and unregisters the worker (which waits out an outage up to db_retry_seconds).
        self.stop_margin = stop_margin
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._supervise(), name="payserv-worker")

    async def _supervise(self) -> None:
        while not self._stopping.is_set():
            self._backoff.up()
            error = await self._run_worker()
            if self._stopping.is_set():
                break
            delay = self._backoff.down()
            # Losing the database (an outage, a restart) is expected: DESIGN §1 says wait
            # and go on. Anything else is a bug worth an error.
            if error is None:
                log.warning("worker_stopped_itself", restart_in=delay)
            elif is_connection_loss(error):
                log.warning("worker_lost_database", error=str(error), restart_in=delay)
            else:
                log.error("worker_crashed", error=str(error), restart_in=delay)
            await asyncio.sleep(delay)

    async def _run_worker(self) -> Exception | None:
        """Run the worker until it stops; the exception that stopped it, if any."""
        try:
            await run_worker(
                self.queue,
                concurrency=self.settings.worker_concurrency,
                fetch_job_polling_interval=self.settings.worker_poll_interval,
                update_heartbeat_interval=self.settings.worker_heartbeat_interval,
                stalled_worker_timeout=self.settings.stalled_job_seconds,
                shutdown_graceful_timeout=self.settings.shutdown_timeout,
                additional_context={"deps": self.deps},
                install_signal_handlers=False,
                wait=True,
            )
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            return exc
        return None

    async def stop(self) -> None:
        """Stop fetching jobs and let running ones finish (up to ``shutdown_timeout``).

        Bounded: a job that ignores its cancellation, or an outage during the worker's
        unregistering, must not keep the process from exiting.
        """
        self._stopping.set()
        if self._task is None:
            return
        # Cancelling the worker's run makes Procrastinate stop gracefully: it waits for
        # running jobs up to shutdown_graceful_timeout, then unregisters the worker.
        self._task.cancel()
        bound = self.settings.shutdown_timeout + self.stop_margin
        done, _ = await asyncio.wait({self._task}, timeout=bound)
        if not done:
            log.error("worker_stop_timed_out", waited=bound)
            # A second cancellation cuts Procrastinate's graceful shutdown short.
            self._task.cancel()
            done, _ = await asyncio.wait({self._task}, timeout=self.stop_margin)
        if done and not self._task.cancelled() and self._task.exception() is not None:
            log.error("worker_stop_failed", error=str(self._task.exception()))
