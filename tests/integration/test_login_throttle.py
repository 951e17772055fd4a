"""At most 10 failed logins per username per 15 minutes, shared by the API and /admin/login."""

from __future__ import annotations

import asyncio

import asyncpg

from payserv.context import HTTP, POOL, QUEUE, SETTINGS
from payserv.jobs.maintenance import purge_login_failures
from payserv.login_throttle import MAX_FAILURES, WINDOW_SECONDS
from payserv.queue import JobDeps
from tests.conftest import AppFactory, UserFactory
from tests.integration.shop.conftest import Client
from tests.integration.test_page_security import login_form

RIGHT = "password-boss"  # make_user's password for "boss"


async def token_status(client: Client, password: str, username: str = "boss") -> int:
    response = await client.post("/users/token/", json={"username": username, "password": password})
    return response.status


async def test_eleventh_attempt_is_429_even_with_the_right_password(
    start_app: AppFactory, make_user: UserFactory, db: asyncpg.Connection
) -> None:
    client = await start_app(run_worker=False)
    await make_user("boss", superuser=True)
    for _ in range(MAX_FAILURES - 1):
        assert await token_status(client, "wrong-guess") == 400
    # A success does not count: the limit is on failures.
    assert await token_status(client, RIGHT) == 200
    assert await token_status(client, "wrong-guess") == 400
    limited = await client.post("/users/token/", json={"username": "boss", "password": RIGHT})
    assert limited.status == 429
    assert (await limited.json())["error"]["code"] == "TOO_MANY_REQUESTS"
    assert 0 < int(limited.headers["Retry-After"]) <= WINDOW_SECONDS
    # Other usernames are not affected; /admin/login shares the count.
    assert await token_status(client, "wrong-guess", username="someone") == 400
    token = await login_form(client)
    admin = await client.post(
        "/admin/login", data={"username": "boss", "password": RIGHT, "csrf_token": token}
    )
    assert admin.status == 429 and "try again in 15 min" in await admin.text()
    assert 0 < int(admin.headers["Retry-After"]) <= WINDOW_SECONDS
    # Once the window has passed, the right password works again.
    await db.execute("UPDATE login_failures SET window_started_at = now() - interval '16 minutes'")
    assert await token_status(client, RIGHT) == 200


async def test_admin_login_failures_count_for_the_api(
    start_app: AppFactory, make_user: UserFactory
) -> None:
    client = await start_app(run_worker=False)
    await make_user("boss", superuser=True)
    token = await login_form(client)
    for _ in range(MAX_FAILURES):
        form = {"username": "boss", "password": "wrong-guess", "csrf_token": token}
        assert (await client.post("/admin/login", data=form)).status == 400
    assert await token_status(client, RIGHT) == 429


async def test_concurrent_guesses_check_at_most_ten(
    start_app: AppFactory, make_user: UserFactory, db: asyncpg.Connection
) -> None:
    client = await start_app(run_worker=False)
    await make_user("boss")
    statuses = await asyncio.gather(*(token_status(client, f"guess-{n}") for n in range(20)))
    assert sorted(statuses) == [400] * MAX_FAILURES + [429] * (20 - MAX_FAILURES)
    assert await db.fetchval("SELECT failures FROM login_failures") == MAX_FAILURES


async def test_expired_counts_are_purged(
    start_app: AppFactory, db: asyncpg.Connection, make_user: UserFactory
) -> None:
    client = await start_app(run_worker=False)
    await make_user("boss")
    assert await token_status(client, "wrong-guess") == 400
    assert await token_status(client, "wrong-guess", username="old") == 400
    await db.execute(
        "UPDATE login_failures SET window_started_at = now() - interval '15 minutes 1 second'"
        " WHERE username = 'old'"
    )
    app = client.app
    assert app is not None
    await purge_login_failures(JobDeps(app[POOL], app[SETTINGS], app[QUEUE], app[HTTP]), 0)
    assert await db.fetchval("SELECT array_agg(username) FROM login_failures") == ["boss"]
