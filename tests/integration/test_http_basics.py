"""DESIGN §2 conventions: the error shape for every failure, request ids, logs."""

from __future__ import annotations

import json
import logging

import pytest
from aiohttp import web

from tests.conftest import AppFactory


def _boom_routes(app: web.Application) -> None:
    async def boom(_request: web.Request) -> web.Response:
        raise RuntimeError("secret internals: do not show")

    async def echo(request: web.Request) -> web.Response:
        return web.json_response({"size": len(await request.read())})

    app.router.add_get("/test/boom", boom)
    app.router.add_post("/test/echo", echo)


def _assert_error(body: dict[str, object], code: str) -> None:
    assert set(body) == {"error"}
    error = body["error"]
    assert isinstance(error, dict)
    assert error["code"] == code
    assert isinstance(error["description"], str) and error["description"]
    assert set(error) <= {"code", "description", "field"}


async def test_unknown_path_is_404_in_error_shape(start_app: AppFactory) -> None:
    client = await start_app(run_worker=False)
    response = await client.get("/no/such/path")
    assert response.status == 404
    _assert_error(await response.json(), "NOT_FOUND_ERROR")


async def test_wrong_method_is_405_with_allow(start_app: AppFactory) -> None:
    client = await start_app(run_worker=False)
    response = await client.delete("/health")
    assert response.status == 405
    _assert_error(await response.json(), "METHOD_NOT_ALLOWED")
    assert "GET" in response.headers["Allow"]


async def test_body_over_limit_is_413(start_app: AppFactory) -> None:
    client = await start_app(run_worker=False, setup=_boom_routes, max_body_bytes=4096)
    assert (await client.post("/test/echo", data=b"x" * 4096)).status == 200
    response = await client.post("/test/echo", data=b"x" * 5000)
    assert response.status == 413
    _assert_error(await response.json(), "PAYLOAD_TOO_LARGE")


@pytest.mark.parametrize(
    "body", [b"{not json", b"[1, 2]", b"", b'"text"', b'{"username": NaN}', b"\xff\xfe"]
)
async def test_malformed_or_non_object_json_is_400(start_app: AppFactory, body: bytes) -> None:
    client = await start_app(run_worker=False)
    response = await client.post(
        "/users/token/", data=body, headers={"Content-Type": "application/json"}
    )
    assert response.status == 400
    _assert_error(await response.json(), "BAD_REQUEST_ERROR")


async def test_unexpected_exception_is_500_without_traceback(
    start_app: AppFactory, caplog: pytest.LogCaptureFixture
) -> None:
    client = await start_app(run_worker=False, setup=_boom_routes)
    with caplog.at_level(logging.ERROR):
        response = await client.get("/test/boom", headers={"X-Request-Id": "req-boom-1"})
    assert response.status == 500
    text = await response.text()
    _assert_error(json.loads(text), "SERVER_ERROR")
    assert "Traceback" not in text and "secret internals" not in text
    assert response.headers["X-Request-Id"] == "req-boom-1"
    # The bug is logged with its request id, so it can be found from the client's report.
    logged = [r for r in caplog.records if "unhandled_error" in r.getMessage()]
    assert logged and "req-boom-1" in logged[0].getMessage()


async def test_request_id_is_echoed_or_generated_and_bound_to_logs(
    start_app: AppFactory, caplog: pytest.LogCaptureFixture
) -> None:
    client = await start_app(run_worker=False)
    with caplog.at_level(logging.INFO):
        given = await client.get("/health", headers={"X-Request-Id": "abc-123"})
        generated = await client.get("/health")
    assert given.headers["X-Request-Id"] == "abc-123"
    assert len(generated.headers["X-Request-Id"]) >= 16
    access = [r.getMessage() for r in caplog.records if "http_request" in r.getMessage()]
    assert any("abc-123" in line for line in access)
    assert any(generated.headers["X-Request-Id"] in line for line in access)


async def test_unsafe_request_id_is_replaced(start_app: AppFactory) -> None:
    client = await start_app(run_worker=False)
    response = await client.get("/health", headers={"X-Request-Id": "bad id\twith spaces"})
    assert response.headers["X-Request-Id"] != "bad id\twith spaces"


async def test_health_reports_worker_stopped_without_worker(start_app: AppFactory) -> None:
    client = await start_app(run_worker=False)
    response = await client.get("/health")
    assert response.status == 200
    body = await response.json()
    assert body["status"] == "degraded"
    assert body["database"] == "connected"
    assert body["worker"] == "stopped"
    assert body["timestamp"].endswith("Z")
    jobs = await (await client.get("/api/v1/test/jobs/status")).json()
    assert jobs == {
        "pending": 0,
        "processing": 0,
        "completed": 0,
        "failed": 0,
        "worker_status": "stopped",
    }


async def test_health_reports_healthy_with_a_live_worker(start_app: AppFactory) -> None:
    import asyncio

    client = await start_app(run_worker=True)
    async with asyncio.timeout(10):
        while (body := await (await client.get("/health")).json())["worker"] != "running":
            await asyncio.sleep(0.1)
    assert body["status"] == "healthy"
    jobs = await (await client.get("/api/v1/test/jobs/status")).json()
    assert jobs["worker_status"] == "running"
