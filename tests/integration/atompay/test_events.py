"""Events (DESIGN §8): any user lists them, superusers create them, seed adds demo ones."""

from __future__ import annotations

import asyncpg
import pytest

from payserv.seed import seed_demo_data
from payserv.settings import Settings
from tests.conftest import AppFactory, UserFactory


async def test_superuser_creates_and_any_user_lists(
    start_app: AppFactory, make_user: UserFactory
) -> None:
    client = await start_app(run_worker=False)
    _, admin = await make_user(superuser=True)
    _, user = await make_user()
    created = await client.post(
        "/api/events", json={"name": "Dance", "fee": "250.5", "kind": "team"}, headers=admin
    )
    assert created.status == 201
    event = await created.json()
    assert event["name"] == "Dance"
    assert event["fee"] == "250.50"
    assert event["kind"] == "team"
    assert event["created_at"].endswith("Z")
    await client.post(
        "/api/events", json={"name": "Quiz", "fee": 10, "kind": "solo"}, headers=admin
    )

    listed = await client.get("/api/events", headers=user)
    assert listed.status == 200
    page = await listed.json()
    assert page["total"] == 2
    assert [e["name"] for e in page["data"]] == ["Quiz", "Dance"]
    assert (page["limit"], page["offset"]) == (10, 0)
    second = await (await client.get("/api/events?limit=1&offset=1", headers=user)).json()
    assert [e["name"] for e in second["data"]] == ["Dance"]


async def test_events_need_a_token_and_creation_a_superuser(
    start_app: AppFactory, make_user: UserFactory
) -> None:
    client = await start_app(run_worker=False)
    _, user = await make_user()
    assert (await client.get("/api/events")).status == 401
    body = {"name": "X", "fee": "1.00", "kind": "solo"}
    response = await client.post("/api/events", json=body)
    assert response.status == 401
    response = await client.post("/api/events", json=body, headers=user)
    assert response.status == 404
    assert (await response.json())["error"]["code"] == "NOT_FOUND_ERROR"
    assert (await client.get("/api/events?limit=0", headers=user)).status == 400


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"fee": "1.00", "kind": "solo"}, "name"),
        ({"name": "", "fee": "1.00", "kind": "solo"}, "name"),
        ({"name": "X", "kind": "solo"}, "fee"),
        ({"name": "X", "fee": "0", "kind": "solo"}, "fee"),
        ({"name": "X", "fee": -5, "kind": "solo"}, "fee"),
        ({"name": "X", "fee": "1.005", "kind": "solo"}, "fee"),
        ({"name": "X", "fee": "NaN", "kind": "solo"}, "fee"),
        ({"name": "X", "fee": "abc", "kind": "solo"}, "fee"),
        ({"name": "X", "fee": True, "kind": "solo"}, "fee"),
        ({"name": "X", "fee": "10000000000", "kind": "solo"}, "fee"),
        ({"name": "X", "fee": "1.00"}, "kind"),
        ({"name": "X", "fee": "1.00", "kind": "duo"}, "kind"),
    ],
)
async def test_bad_events_are_400_with_field(
    start_app: AppFactory, make_user: UserFactory, body: dict[str, object], field: str
) -> None:
    client = await start_app(run_worker=False)
    _, admin = await make_user(superuser=True)
    response = await client.post("/api/events", json=body, headers=admin)
    assert response.status == 400
    error = (await response.json())["error"]
    assert error["code"] == "BAD_REQUEST_ERROR"
    assert error["field"] == field


async def test_seed_adds_demo_events_of_each_kind_once(
    db: asyncpg.Connection, settings: Settings
) -> None:
    first = await seed_demo_data(db, settings)
    assert any(line.startswith("atompay:") for line in first)
    second = await seed_demo_data(db, settings)
    assert not any(line.startswith("atompay:") for line in second)
    kinds = await db.fetch("SELECT kind, count(*) FROM events GROUP BY kind")
    assert {row["kind"] for row in kinds} == {"solo", "team"}
    assert await db.fetchval("SELECT count(*) = count(DISTINCT name) FROM events")
