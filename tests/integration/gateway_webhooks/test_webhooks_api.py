"""GET /api/v1/webhooks and POST /api/v1/webhooks/{id}/retry: shape, paging, scoping."""

from __future__ import annotations

import uuid

import asyncpg

from payserv.context import POOL
from payserv.gateway.events import emit_event
from payserv.gateway.merchants import (
    TEST_MERCHANT_ID,
    MerchantCredentials,
    insert_merchant,
)
from tests.conftest import TEST_SECRET_KEY, AppFactory
from tests.integration.gateway_webhooks.conftest import MERCHANT_HEADERS, set_webhook_url

FIELDS = {
    "id",
    "event",
    "status",
    "attempts",
    "created_at",
    "last_attempt_at",
    "next_retry_at",
    "response_code",
    "last_error",
}


async def _emit_many(client: object, n: int) -> None:
    app = client.app  # type: ignore[attr-defined]
    for i in range(n):
        async with app[POOL].acquire() as conn, conn.transaction():
            data = {"payment": {"id": f"pay_{i:016d}"}}
            await emit_event(conn, TEST_MERCHANT_ID, "payment.created", data)


async def _other_merchant(db: asyncpg.Connection) -> dict[str, str]:
    creds = MerchantCredentials(
        uuid.uuid4(), "other@example.com", "key_other", "secret_other", "whsec_other"
    )
    await insert_merchant(db, creds, webhook_url="http://127.0.0.1:9/", secret_key=TEST_SECRET_KEY)
    return {"X-Api-Key": creds.api_key, "X-Api-Secret": creds.api_secret}


async def test_list_pages_newest_first(start_app: AppFactory, db: asyncpg.Connection) -> None:
    await set_webhook_url(db, "http://127.0.0.1:9/")
    client = await start_app(run_worker=False)
    await _emit_many(client, 3)

    resp = await client.get("/api/v1/webhooks?limit=2", headers=MERCHANT_HEADERS)
    assert resp.status == 200
    page = await resp.json()
    assert (page["total"], page["limit"], page["offset"]) == (3, 2, 0)
    assert len(page["data"]) == 2
    assert set(page["data"][0]) == FIELDS
    first = page["data"][0]
    assert first["status"] == "pending"
    assert first["attempts"] == 0
    assert first["created_at"].endswith("Z")
    assert first["last_attempt_at"] is None
    ids = [r["id"] for r in await db.fetch("SELECT id FROM webhook_deliveries ORDER BY seq DESC")]
    assert [d["id"] for d in page["data"]] == [str(i) for i in ids[:2]]

    rest = await (
        await client.get("/api/v1/webhooks?limit=2&offset=2", headers=MERCHANT_HEADERS)
    ).json()
    assert [d["id"] for d in rest["data"]] == [str(ids[2])]
    default = await (await client.get("/api/v1/webhooks", headers=MERCHANT_HEADERS)).json()
    assert (default["limit"], default["offset"], default["total"]) == (10, 0, 3)


async def test_list_is_scoped_and_validated(start_app: AppFactory, db: asyncpg.Connection) -> None:
    await set_webhook_url(db, "http://127.0.0.1:9/")
    client = await start_app(run_worker=False)
    await _emit_many(client, 1)
    other = await _other_merchant(db)
    page = await (await client.get("/api/v1/webhooks", headers=other)).json()
    assert page == {"data": [], "total": 0, "limit": 10, "offset": 0, "has_more": False}

    for bad in ("limit=0", "limit=101", "limit=x", "offset=-1"):
        resp = await client.get(f"/api/v1/webhooks?{bad}", headers=MERCHANT_HEADERS)
        assert resp.status == 400, bad
        assert (await resp.json())["error"]["code"] == "BAD_REQUEST_ERROR"
    resp = await client.get("/api/v1/webhooks")
    assert resp.status == 401
    assert (await resp.json())["error"]["code"] == "AUTHENTICATION_ERROR"


async def test_retry_404s(start_app: AppFactory, db: asyncpg.Connection) -> None:
    await set_webhook_url(db, "http://127.0.0.1:9/")
    client = await start_app(run_worker=False)
    await _emit_many(client, 1)
    delivery_id = await db.fetchval("SELECT id FROM webhook_deliveries")
    other = await _other_merchant(db)

    for path, headers in (
        (f"/api/v1/webhooks/{delivery_id}/retry", other),
        (f"/api/v1/webhooks/{uuid.uuid4()}/retry", MERCHANT_HEADERS),
        ("/api/v1/webhooks/not-a-uuid/retry", MERCHANT_HEADERS),
    ):
        resp = await client.post(path, headers=headers)
        assert resp.status == 404, path
        assert (await resp.json())["error"]["code"] == "NOT_FOUND_ERROR"
    resp = await client.post(f"/api/v1/webhooks/{delivery_id}/retry")
    assert resp.status == 401
    # The other merchant's attempt left the delivery untouched.
    assert await db.fetchval("SELECT generation FROM webhook_deliveries") == 0
