"""The merchant side of DESIGN §3: test merchant, GET/PATCH /merchant, createmerchant."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import asyncpg
import pytest

from payserv.bootstrap import prepare_database
from payserv.gateway_merchants import TEST_MERCHANT_ID
from payserv.settings import Settings
from tests.conftest import AppFactory
from tests.helpers.cli import external_env, run_cli
from tests.integration.gateway.conftest import MERCHANT


async def test_test_merchant_endpoint(start_app: AppFactory, db: asyncpg.Connection) -> None:
    client = await start_app(run_worker=False)
    response = await client.get("/api/v1/test/merchant")
    assert await response.json() == {
        "id": "550e8400-e29b-41d4-a716-446655440000",
        "email": "test@example.com",
        "api_key": "key_test_abc123",
        "seeded": True,
    }
    await db.execute("DELETE FROM merchants")
    missing = await client.get("/api/v1/test/merchant")
    assert missing.status == 404


async def test_merchant_read_and_webhook_url_update(start_app: AppFactory) -> None:
    client = await start_app(run_worker=False)
    merchant = await (await client.get("/api/v1/merchant", headers=MERCHANT)).json()
    assert set(merchant) == {"id", "email", "api_key", "webhook_url", "created_at"}
    assert merchant["id"] == str(TEST_MERCHANT_ID)
    url = "https://example.com/hooks?x=1"
    response = await client.patch("/api/v1/merchant", json={"webhook_url": url}, headers=MERCHANT)
    assert (await response.json())["webhook_url"] == url
    cleared = await client.patch("/api/v1/merchant", json={"webhook_url": None}, headers=MERCHANT)
    assert (await cleared.json())["webhook_url"] is None
    assert (await client.get("/api/v1/merchant")).status == 401


@pytest.mark.parametrize(
    "body", [{}, {"webhook_url": "ftp://x.y/z"}, {"webhook_url": "/relative"}, {"webhook_url": 5}]
)
async def test_bad_webhook_url_is_400(start_app: AppFactory, body: dict[str, object]) -> None:
    client = await start_app(run_worker=False)
    response = await client.patch("/api/v1/merchant", json=body, headers=MERCHANT)
    assert response.status == 400
    assert (await response.json())["error"]["field"] == "webhook_url"


async def test_test_merchant_webhook_url_applies_on_every_start(
    db: asyncpg.Connection, settings: Settings
) -> None:
    await prepare_database(db, replace(settings, test_merchant_webhook_url="http://h.example/1"))
    url = await db.fetchval("SELECT webhook_url FROM merchants WHERE id = $1", TEST_MERCHANT_ID)
    assert url == "http://h.example/1"


async def test_createmerchant_prints_working_credentials_once(
    repo_root: Path, dsn: str, start_app: AppFactory, db: asyncpg.Connection
) -> None:
    env = external_env(dsn)
    result = run_cli(
        repo_root,
        "createmerchant",
        "shop@example.org",
        "--webhook-url",
        "https://shop.example.org/hook",
        env=env,
    )
    assert result.returncode == 0, result.stderr
    created = json.loads(result.stdout.strip().splitlines()[-1])
    assert set(created) == {"id", "email", "api_key", "api_secret", "webhook_secret"}
    assert created["webhook_secret"].startswith("whsec_")
    # Stored only as a hash / sealed: neither secret is in the table in clear.
    row = await db.fetchrow("SELECT * FROM merchants WHERE id = $1::uuid", created["id"])
    assert created["api_secret"] not in str(dict(row))
    assert created["webhook_secret"].encode() not in bytes(row["webhook_secret_encrypted"])

    client = await start_app(run_worker=False, secret_key=env["SECRET_KEY"])
    headers = {"X-Api-Key": created["api_key"], "X-Api-Secret": created["api_secret"]}
    merchant = await (await client.get("/api/v1/merchant", headers=headers)).json()
    assert merchant["email"] == "shop@example.org"
    assert merchant["webhook_url"] == "https://shop.example.org/hook"

    again = run_cli(repo_root, "createmerchant", "shop@example.org", env=env)
    assert again.returncode == 1 and "already exists" in again.stderr
    bad = run_cli(repo_root, "createmerchant", "not-an-email", env=env)
    assert bad.returncode == 1 and "email" in bad.stderr
