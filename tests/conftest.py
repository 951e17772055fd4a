"""Shared fixtures: a real Postgres, a template database, one fresh database per test.

``DATABASE_URL`` (a server where we may create databases) is used when set; otherwise
an embedded PostgreSQL 18 is started for the session. Each test runs on its own
database cloned from a migrated template (``CREATE DATABASE … TEMPLATE``).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from payserv.app import create_app
from payserv.bootstrap import prepare_database
from payserv.database import connect
from payserv.logs import configure_logging
from payserv.queue import JobSpec
from payserv.settings import Settings
from payserv.users import User, create_user, issue_token
from tests.helpers.db import admin_connect, start_embedded_server, with_database

TEST_SECRET_KEY = "test-secret-key-for-jwt-signing-only-000000"


def base_settings() -> Settings:
    """Settings the tests start from: test mode, fast worker loops."""
    return Settings(
        database_url="postgresql://unused",
        secret_key=TEST_SECRET_KEY,
        test_mode=True,
        test_processing_delay_ms=0,
        log_format="json",
        worker_poll_interval=0.1,
        webhook_sweep_interval=0.1,
        worker_heartbeat_interval=1.0,
        stalled_job_seconds=30.0,
        shutdown_timeout=5.0,
        db_pool_size=30,
        db_retry_seconds=30.0,
    )


@pytest.fixture(scope="session")
def server_dsn(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """DSN of the Postgres server the tests may create databases on."""
    external = os.environ.get("DATABASE_URL")
    if external:
        yield external
        return
    server = start_embedded_server(tmp_path_factory.mktemp("pg") / "pgdata")
    yield server.get_uri()
    server.cleanup()


@pytest.fixture(scope="session")
def template_name(server_dsn: str) -> Iterator[str]:
    """A migrated (and seeded) database that every test database is cloned from."""
    import asyncio

    name = f"payserv_template_{uuid.uuid4().hex[:8]}"

    async def build() -> None:
        admin = await admin_connect(server_dsn)
        try:
            await admin.execute(f'CREATE DATABASE "{name}"')
        finally:
            await admin.close()
        conn = await connect(with_database(server_dsn, name))
        try:
            await prepare_database(conn, base_settings())
        finally:
            await conn.close()

    async def drop() -> None:
        admin = await admin_connect(server_dsn)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()

    configure_logging(base_settings())
    asyncio.run(build())
    yield name
    asyncio.run(drop())


async def _admin(server_dsn: str, *statements: str) -> None:
    admin = await admin_connect(server_dsn)
    try:
        for statement in statements:
            await admin.execute(statement)
    finally:
        await admin.close()


def _drop(names: list[str]) -> list[str]:
    return [f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)' for name in names]


@pytest.fixture
async def dsn(server_dsn: str, template_name: str) -> AsyncIterator[str]:
    """A fresh database for this test, cloned from the template."""
    name = f"payserv_test_{uuid.uuid4().hex[:12]}"
    await _admin(server_dsn, f'CREATE DATABASE "{name}" TEMPLATE "{template_name}"')
    yield with_database(server_dsn, name)
    await _admin(server_dsn, *_drop([name]))


EmptyDatabase = Callable[[], Awaitable[str]]


@pytest.fixture
async def empty_database(server_dsn: str) -> AsyncIterator[EmptyDatabase]:
    """Makes databases with nothing in them (not cloned from the migrated template); each
    call returns one's DSN, and all are dropped after the test."""
    names: list[str] = []

    async def make() -> str:
        names.append(f"payserv_empty_{uuid.uuid4().hex[:12]}")
        await _admin(server_dsn, f'CREATE DATABASE "{names[-1]}"')
        return with_database(server_dsn, names[-1])

    yield make
    await _admin(server_dsn, *_drop(names))


@pytest.fixture
def settings(dsn: str) -> Settings:
    """Test settings pointing at this test's database."""
    return replace(base_settings(), database_url=dsn)


@pytest.fixture
async def db(dsn: str) -> AsyncIterator[asyncpg.Connection]:
    """A connection to this test's database, for arranging and asserting."""
    conn = await connect(dsn)
    yield conn
    await conn.close()


AppFactory = Callable[..., Awaitable[TestClient[web.Request, web.Application]]]


@pytest.fixture
def start_app(
    settings: Settings,
    aiohttp_client: Callable[..., Awaitable[TestClient[web.Request, web.Application]]],
) -> AppFactory:
    # ``settings`` (hence the database) first: fixtures tear down in reverse, so the
    # app stops before its database is dropped.
    """Start payserv on this test's database: ``await start_app(run_worker=..., **overrides)``."""

    async def start(
        *,
        run_worker: bool = True,
        jobs: list[JobSpec] | None = None,
        setup: Callable[[web.Application], None] | None = None,
        **overrides: Any,
    ) -> TestClient[web.Request, web.Application]:
        app_settings = replace(settings, **overrides)
        assert app_settings.database_url is not None
        app = create_app(app_settings, app_settings.database_url, run_worker=run_worker, jobs=jobs)
        if setup is not None:
            setup(app)
        return await aiohttp_client(app)

    return start


@pytest.fixture
def repo_root() -> Path:
    return Path(__file__).resolve().parent.parent


UserFactory = Callable[..., Awaitable[tuple[User, dict[str, str]]]]


@pytest.fixture
def make_user(db: asyncpg.Connection) -> UserFactory:
    """Create a user: ``user, headers = await make_user("bob", superuser=True)``.

    ``headers`` carry a valid ``Authorization: Token …`` for that user.
    """

    async def make(
        username: str | None = None, *, superuser: bool = False
    ) -> tuple[User, dict[str, str]]:
        name = username or f"user_{uuid.uuid4().hex[:8]}"
        user = await create_user(db, name, "password-" + name, superuser=superuser)
        token = issue_token(user, TEST_SECRET_KEY, 3600)
        return user, {"Authorization": f"Token {token}"}

    return make


@pytest.fixture
def own_server(tmp_path: Path) -> Iterator[Any]:
    """A Postgres of this test's own, so stopping it disturbs no other test."""
    server = start_embedded_server(tmp_path / "pgdata")
    yield server
    server.cleanup()
