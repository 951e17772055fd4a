"""A Procrastinate connector over payserv's own asyncpg pool.

Procrastinate ships only psycopg connectors; this one lets handlers defer a job on the
connection of their own transaction (``configure(connection=conn)``), so a row and its
job commit or roll back together. Jobs that end together (a worker runs many at once) are
finished by one statement. Facts it relies on: shared/notes/procrastinate-on-asyncpg.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from typing import Any, TypeVar

import asyncpg
import structlog
from procrastinate import exceptions, manager
from procrastinate import sql as procrastinate_sql
from procrastinate.connector import BaseAsyncConnector, Notify

from payserv.batching import Batcher
from payserv.database import CONNECTION_ERRORS, conflicting_value, is_connection_loss
from payserv.listener import ListenTimings, listen_forever

log = structlog.get_logger(__name__)
T = TypeVar("T")

_PLACEHOLDER = re.compile(r"%\((\w+)\)s")
# Procrastinate concatenates some numbers with text (``%(nb_hours)s || 'HOUR'``), so
# Postgres infers text there and asyncpg refuses an int: such parameters are sent as str.
_CONCATENATED = re.compile(r"%\((\w+)\)s\s*\|\|")


@dataclasses.dataclass(frozen=True)
class Translated:
    """A query in asyncpg form: ``$n`` placeholders, their names, which go as text."""

    sql: str
    names: tuple[str, ...]
    text_names: frozenset[str]

    def arguments(self, values: dict[str, Any]) -> list[Any]:
        return [
            str(values[name])
            if name in self.text_names and values[name] is not None
            else values[name]
            for name in self.names
        ]


@functools.lru_cache(maxsize=256)
def translate_query(query: str) -> Translated:
    """psycopg ``%(name)s`` placeholders to asyncpg ``$n``, one index per name."""
    names: list[str] = []

    def number(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in names:
            names.append(name)
        return f"${names.index(name) + 1}"

    sql = _PLACEHOLDER.sub(number, query).replace("%%", "%")
    return Translated(sql, tuple(names), frozenset(_CONCATENATED.findall(query)))


# Procrastinate's manager passes the SQL of its named queries (``sql.queries["finish_job"]``):
# their names, found once, say what a query is without searching its text.
_QUERY_NAMES: dict[str, str] = {sql: name for name, sql in procrastinate_sql.queries.items()}
# The queries that record how a job ended, and the start of the error they raise when the
# job is no longer "doing".
_JOB_END_QUERIES = frozenset({"finish_job", "retry_job"})
_ALREADY_RECORDED = "Job was not found or"

# finish_job for a batch of jobs: Procrastinate's function once per job, in the order given.
FINISH_JOBS = """
SELECT procrastinate_finish_job_v1(job.id, job.status::procrastinate_job_status, job.delete_job)
    FROM unnest($1::bigint[], $2::text[], $3::boolean[]) AS job (id, status, delete_job)
"""


@dataclasses.dataclass(frozen=True)
class JobFinish:
    """finish_job's arguments: how one job ended."""

    job_id: int
    status: str
    delete_job: bool

    @classmethod
    def from_arguments(cls, arguments: dict[str, Any]) -> JobFinish:
        return cls(arguments["job_id"], arguments["status"], arguments["delete_job"])


def query_name(query: str) -> str | None:
    """The name of one of Procrastinate's queries in its queries.sql, None for other SQL."""
    return _QUERY_NAMES.get(query)


def records_job_end(query: str) -> bool:
    """Whether ``query`` records how a job ended (finish_job, retry_job)."""
    return query_name(query) in _JOB_END_QUERIES


@contextlib.contextmanager
def _wrap_exceptions() -> Iterator[None]:
    """asyncpg errors to the exceptions Procrastinate's manager understands."""
    try:
        yield
    except asyncpg.UniqueViolationError as exc:
        queueing_lock = None
        if exc.constraint_name == manager.QUEUEING_LOCK_CONSTRAINT:
            queueing_lock = conflicting_value(exc)
        raise exceptions.UniqueViolation(
            constraint_name=exc.constraint_name, queueing_lock=queueing_lock
        ) from exc
    except (asyncpg.PostgresError, *CONNECTION_ERRORS) as exc:
        raise exceptions.ConnectorException(str(exc)) from exc


class AsyncpgConnector(BaseAsyncConnector):
    """Procrastinate's connector contract implemented with asyncpg."""

    def __init__(
        self, *, dsn: str, retry_seconds: float = 90.0, listen: ListenTimings | None = None
    ) -> None:
        self.dsn = dsn
        self.retry_seconds = retry_seconds
        # Read when the worker starts listening: tests may shorten it before that.
        self.listen = listen or ListenTimings()
        self._pool: asyncpg.Pool | None = None
        self._owns_pool = False
        # Jobs that end together (a worker runs many at once) are finished by one statement.
        self._finishes: Batcher[JobFinish, None] = Batcher(
            self._finish_jobs, name="payserv-job-finishes"
        )

    async def open_async(self, pool: asyncpg.Pool | None = None) -> None:
        if pool is None:
            from payserv.database import create_pool

            pool = await create_pool(self.dsn, 10)
            self._owns_pool = True
        self._pool = pool

    async def close_async(self) -> None:
        # A pool we were given belongs to the application, which closes it.
        if self._pool is not None and self._owns_pool:
            await self._pool.close()
        self._pool = None

    @contextlib.asynccontextmanager
    async def _connection(self) -> AsyncIterator[asyncpg.Connection]:
        """A pooled connection, waiting out a database outage of up to ``retry_seconds``.

        Only acquiring is retried: a query such as fetch_job is not idempotent, so a
        failure once it was sent must surface (the stalled-jobs task recovers it).
        """
        if self._pool is None:
            raise exceptions.AppNotOpen()
        deadline = time.monotonic() + self.retry_seconds
        delay = 0.1
        while True:
            try:
                connection = await self._pool.acquire()
                break
            except CONNECTION_ERRORS as exc:
                if time.monotonic() >= deadline:
                    raise exceptions.ConnectorException(str(exc)) from exc
                log.warning("database_unavailable_retrying", error=str(exc), delay=delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)
        try:
            yield connection
        finally:
            await self._release(connection)

    async def _release(self, connection: asyncpg.Connection) -> None:
        assert self._pool is not None
        try:
            await self._pool.release(connection)
        except CONNECTION_ERRORS as exc:
            # The reset on release failed because the server went away; asyncpg has
            # terminated the connection. What the caller must see is how its own query
            # went (a lost job end is retried on ConnectorException only), not this.
            log.warning("connection_release_failed", error=str(exc))

    async def _on_pooled(self, work: Callable[[asyncpg.Connection], Awaitable[T]]) -> T:
        """Run ``work`` on a pooled connection, once more on a fresh one if it was stale.

        After a Postgres restart the pool can hand out a connection that already got the
        server's FATAL; asyncpg then refuses to send anything (InternalClientError), so
        retrying cannot run a query twice.
        """
        for attempt in range(2):
            async with self._connection() as conn:
                try:
                    return await work(conn)
                except exceptions.ConnectorException as exc:
                    if attempt or not isinstance(exc.__cause__, asyncpg.InternalClientError):
                        raise
                    log.warning("stale_connection_retried", error=str(exc))
                    conn.terminate()
                    # Its pool-mates died in the same restart: have the pool replace them
                    # all, so that the retry gets a fresh connection, not the next stale one.
                    assert self._pool is not None
                    await self._pool.expire_connections()
        raise AssertionError("unreachable")

    async def execute_query_async(self, query: str, **arguments: Any) -> None:
        if query_name(query) == "finish_job":
            finish = JobFinish.from_arguments(arguments)
            await self._record_job_end(lambda: self._finishes.submit(finish))
            return
        if not arguments:
            # The schema script has many statements: only the simple protocol runs it.
            sql, args = query.replace("%%", "%"), []
        else:
            translated = translate_query(query)
            sql, args = translated.sql, translated.arguments(arguments)

        async def execute(conn: asyncpg.Connection) -> None:
            with _wrap_exceptions():
                await conn.execute(sql, *args)

        if records_job_end(query):
            await self._record_job_end(lambda: self._on_pooled(execute))
        else:
            await self._on_pooled(execute)

    async def _finish_jobs(self, finishes: list[JobFinish]) -> list[Exception | None]:
        """Record how these jobs ended, by one statement.

        One job's failure (not "doing" any more) fails the statement for all: then each is
        recorded on its own, so that each gets its own outcome.
        """
        try:
            await self._finish(finishes)
        except exceptions.ConnectorException as exc:
            if len(finishes) == 1 or is_connection_loss(exc):
                raise
            return [await self._finish_alone(finish) for finish in finishes]
        return [None] * len(finishes)

    async def _finish_alone(self, finish: JobFinish) -> Exception | None:
        try:
            await self._finish([finish])
        except exceptions.ConnectorException as exc:
            return exc
        return None

    async def _finish(self, finishes: list[JobFinish]) -> None:
        ordered = sorted(finishes, key=lambda finish: finish.job_id)  # rows locked in id order

        async def execute(conn: asyncpg.Connection) -> None:
            with _wrap_exceptions():
                await conn.execute(
                    FINISH_JOBS,
                    [finish.job_id for finish in ordered],
                    [finish.status for finish in ordered],
                    [finish.delete_job for finish in ordered],
                )

        await self._on_pooled(execute)

    async def _record_job_end(self, record: Callable[[], Awaitable[None]]) -> None:
        """Record a job's end, waiting out an outage of up to ``retry_seconds``.

        If this is lost, the job stays ``doing`` under a worker that is still alive, and
        the stalled-jobs task (which looks for dead workers) never retries it. Running it
        twice is safe: when the cut-off attempt had committed, the retry finds the job no
        longer ``doing`` and Postgres says so, which means it is recorded.
        """
        deadline = time.monotonic() + self.retry_seconds
        delay = 0.1
        retried = False
        while True:
            try:
                await record()
                return
            except exceptions.ConnectorException as exc:
                if retried and _ALREADY_RECORDED in str(exc):
                    return
                if not is_connection_loss(exc):
                    raise
                if time.monotonic() >= deadline:
                    raise
                log.warning("job_end_record_retrying", error=str(exc), delay=delay)
                retried = True
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)

    async def execute_query_one_async(self, query: str, **arguments: Any) -> dict[str, Any]:
        return await self._on_pooled(
            lambda conn: self.execute_query_one_async_with_connection(conn, query, **arguments)
        )

    async def execute_query_all_async(self, query: str, **arguments: Any) -> list[dict[str, Any]]:
        return await self._on_pooled(
            lambda conn: self.execute_query_all_async_with_connection(conn, query, **arguments)
        )

    async def execute_query_one_async_with_connection(
        self, connection: Any, query: str, **arguments: Any
    ) -> dict[str, Any]:
        translated = translate_query(query)
        with _wrap_exceptions():
            row = await connection.fetchrow(translated.sql, *translated.arguments(arguments))
        if row is None:
            raise exceptions.NoResult()
        return dict(row)

    async def execute_query_all_async_with_connection(
        self, connection: Any, query: str, **arguments: Any
    ) -> list[dict[str, Any]]:
        translated = translate_query(query)
        with _wrap_exceptions():
            rows = await connection.fetch(translated.sql, *translated.arguments(arguments))
        return [dict(row) for row in rows]

    async def listen_notify(self, on_notification: Notify, channels: Iterable[str]) -> None:
        """LISTEN until cancelled, reconnecting forever; never raises (see payserv.listener)."""
        await listen_forever(self.dsn, on_notification, list(channels), self.listen)
