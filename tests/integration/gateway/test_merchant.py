"""The merchant side of DESIGN §3: test merchant, GET/PATCH /merchant, createmerchant."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import asyncpg
import pytest

from payserv.bootstrap import prepare_database
from payserv.gateway.merchants import TEST_MERCHANT_ID
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


# Hosts that reach the machine itself or its private network (DESIGN §2), in every spelling
# a resolver or an HTTP client accepts: literal, IPv6, IPv4-mapped, shorthand, a name.
PRIVATE_WEBHOOK_URLS = [
    "http://169.254.169.254/latest/meta-data/",
    "http://10.0.0.1/",
    "http://172.16.0.1/",
    "http://192.168.1.1/",
    "http://127.0.0.1:5432/",
    "http://0.0.0.0/",
    "http://100.64.0.1/",
    "http://224.0.0.1/",
    "http://240.0.0.1/",
    "http://[::1]/",
    "http://[::]/",
    "http://[fd00::1]/",
    "http://[fe80::1]/",
    "http://[ff02::1]/",
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:a9fe:a9fe]/",
    "http://[2002:7f00:1::1]/",
    "http://localhost:5432/",
    "http://LocalHost:8000/",
]
# Numeric shorthands that inet_aton() reads as 127.0.0.1: not a host name as written.
SHORTHAND_WEBHOOK_URLS = [
    "http://0x7f.1/",
    "http://0x7f000001/",
    "http://2130706433/",
    "http://0177.0.0.1/",
    "http://127.1/",
    "http://017700000001/",
]
MALFORMED_WEBHOOK_URLS = [
    "http://exa mple.com/",
    "http://exa%20mple.com/",
    "http://-bad.example/",
    "http://a_b.example/",
    "http:///path-only",
    *SHORTHAND_WEBHOOK_URLS,
]


async def _patch_url(client: object, url: str) -> tuple[int, dict[str, object]]:
    response = await client.patch(  # type: ignore[attr-defined]
        "/api/v1/merchant", json={"webhook_url": url}, headers=MERCHANT
    )
    return response.status, await response.json()


async def test_webhook_url_with_a_malformed_host_is_400_even_in_test_mode(
    start_app: AppFactory,
) -> None:
    client = await start_app(run_worker=False)
    for url in MALFORMED_WEBHOOK_URLS:
        status, body = await _patch_url(client, url)
        assert status == 400, url
        assert body["error"]["field"] == "webhook_url", url  # type: ignore[index]


async def test_webhook_url_on_a_private_address_is_refused(start_app: AppFactory) -> None:
    client = await start_app(run_worker=False, test_mode=False)
    for url in PRIVATE_WEBHOOK_URLS + SHORTHAND_WEBHOOK_URLS:
        status, body = await _patch_url(client, url)
        assert status == 400, url
        error = body["error"]
        assert error["code"] == "BAD_REQUEST_ERROR", url  # type: ignore[index]
        assert error["field"] == "webhook_url", url  # type: ignore[index]
    detail = await (await client.get("/api/v1/merchant", headers=MERCHANT)).json()
    assert detail["webhook_url"] is None
    # Public hosts, and names that resolve nowhere yet, are accepted.
    for url in ("https://93.184.215.14/hook", "https://[2606:4700::1111]/", "https://h.example/"):
        assert (await _patch_url(client, url))[0] == 200, url


async def test_private_webhook_urls_are_allowed_when_configured(start_app: AppFactory) -> None:
    client = await start_app(run_worker=False, test_mode=False, webhook_allow_private_urls=True)
    for url in PRIVATE_WEBHOOK_URLS:
        assert (await _patch_url(client, url))[0] == 200, url
    assert (await _patch_url(client, "http://0x7f.1/"))[0] == 400


async def test_createmerchant_refuses_a_private_webhook_url(repo_root: Path, dsn: str) -> None:
    env = external_env(dsn)
    for url in ("http://169.254.169.254/", "http://[::ffff:10.0.0.1]/", "http://2130706433/"):
        result = run_cli(repo_root, "createmerchant", "a@x.org", "--webhook-url", url, env=env)
        assert result.returncode == 1, url
        assert "webhook_url" in result.stderr, url
    allowed = run_cli(
        repo_root,
        "createmerchant",
        "a@example.org",
        "--webhook-url",
        "http://127.0.0.1:9/",
        env={**env, "WEBHOOK_ALLOW_PRIVATE_URLS": "true"},
    )
    assert allowed.returncode == 0, allowed.stderr
