"""GET paths that differ from a route only by a trailing slash redirect to it (DESIGN §8a)."""

from __future__ import annotations

import uuid

import pytest

from tests.conftest import AppFactory, UserFactory


@pytest.mark.parametrize("method", ["GET", "HEAD"])
async def test_missing_slash_redirects_to_the_route_keeping_the_query(
    start_app: AppFactory, method: str
) -> None:
    client = await start_app(run_worker=False)
    response = await client.request(method, "/users/me?x=1", allow_redirects=False)
    assert response.status == 308
    assert response.headers["Location"] == "/users/me/?x=1"
    assert "X-Request-Id" in response.headers


async def test_extra_slash_redirects_to_the_route(start_app: AppFactory) -> None:
    client = await start_app(run_worker=False)
    payment_id = uuid.uuid4()
    response = await client.get(f"/api/payments/{payment_id}/", allow_redirects=False)
    assert response.status == 308
    assert response.headers["Location"] == f"/api/payments/{payment_id}"


async def test_redirect_leads_to_the_answer(start_app: AppFactory, make_user: UserFactory) -> None:
    client = await start_app(run_worker=False)
    user, headers = await make_user()
    response = await client.get("/users/me", headers=headers)
    assert response.status == 200
    assert (await response.json())["username"] == user.username


async def test_post_is_never_redirected(start_app: AppFactory) -> None:
    # A redirected POST loses its body with many clients: it stays a 404 in the error shape.
    client = await start_app(run_worker=False)
    response = await client.post(
        "/users/token", json={"username": "a", "password": "b"}, allow_redirects=False
    )
    assert response.status == 404
    assert (await response.json())["error"]["code"] == "NOT_FOUND_ERROR"


async def test_a_path_no_slash_change_fixes_stays_a_json_404(start_app: AppFactory) -> None:
    client = await start_app(run_worker=False)
    for path in ("/no/such/path", "/no/such/path/", "/"):
        response = await client.get(path, allow_redirects=False)
        assert response.status == 404, path
        assert (await response.json())["error"]["code"] == "NOT_FOUND_ERROR"
