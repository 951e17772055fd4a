"""The dashboard over plain HTTP: sessions, cookies, CSRF, scoping (DESIGN §4b)."""

from __future__ import annotations

import logging
import re

import asyncpg
import pytest

from payserv.context import HTTP, POOL, QUEUE, SETTINGS
from payserv.gateway.merchants import TEST_DASHBOARD_PASSWORD, TEST_MERCHANT_EMAIL
from payserv.gateway.sessions import session_digest
from payserv.handlers.dashboard.session import COOKIE
from payserv.jobs.gateway import purge_dashboard_sessions_job
from payserv.queue import JobDeps
from tests.conftest import AppFactory
from tests.helpers.webhook_receiver import Receiver
from tests.integration.gateway.conftest import (
    MERCHANT,
    Client,
    create_order,
    create_payment,
    successful_payment,
    wait_until,
)

PAGES = (
    "/dashboard",
    "/dashboard/transactions",
    "/dashboard/payments/pay_0000000000000000",
    "/dashboard/webhooks",
    "/dashboard/docs",
)
_TOKEN = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


async def csrf_token(client: Client, path: str = "/dashboard/login") -> str:
    page = await client.get(path)
    match = _TOKEN.search(await page.text())
    assert match, f"no CSRF token on {path}"
    return match.group(1)


async def log_in(
    client: Client, email: str = TEST_MERCHANT_EMAIL, password: str = TEST_DASHBOARD_PASSWORD
) -> str:
    """Log in through the form; returns the session id the cookie got."""
    form = {"csrf_token": await csrf_token(client), "email": email, "password": password}
    response = await client.post("/dashboard/login", data=form, allow_redirects=False)
    assert response.status == 303, await response.text()
    assert response.headers["Location"] == "/dashboard"
    return response.cookies[COOKIE].value


async def status_with_session(client: Client, session_id: str) -> int:
    """The status of ``GET /dashboard`` for a browser holding only this session cookie."""
    client.session.cookie_jar.clear()
    response = await client.get("/dashboard", cookies={COOKIE: session_id}, allow_redirects=False)
    return response.status


async def test_pages_without_a_session_redirect_to_login(start_app: AppFactory) -> None:
    client = await start_app(run_worker=False)
    for path in PAGES:
        response = await client.get(path, allow_redirects=False)
        assert response.status == 303, path
        assert response.headers["Location"] == "/dashboard/login"
    assert await status_with_session(client, "forged-or-unknown") == 303
    login = await client.get("/dashboard/login")
    assert login.status == 200
    assert 'data-test-id="login-form"' in await login.text()


async def login_cookie_header(client: Client) -> str:
    form = {"csrf_token": await csrf_token(client), "email": TEST_MERCHANT_EMAIL}
    form["password"] = TEST_DASHBOARD_PASSWORD
    response = await client.post("/dashboard/login", data=form, allow_redirects=False)
    [header] = [h for h in response.headers.getall("Set-Cookie") if h.startswith(COOKIE + "=")]
    return header


async def test_session_cookie_flags(start_app: AppFactory) -> None:
    client = await start_app(run_worker=False)
    header = await login_cookie_header(client)
    attributes = {part.strip().split("=")[0].lower() for part in header.split(";")}
    assert {"httponly", "samesite", "path", "max-age"} <= attributes
    assert "SameSite=Strict" in header and "Path=/dashboard" in header
    assert "secure" not in attributes
    assert (await client.get("/dashboard")).status == 200

    secure = await start_app(run_worker=False, cookie_secure=True)
    assert "secure" in (await login_cookie_header(secure)).lower().split("; ")


async def test_login_rotates_the_session_id(start_app: AppFactory) -> None:
    client = await start_app(run_worker=False)
    first = await log_in(client)
    second = await log_in(client)  # the browser still sends the first id
    assert first != second
    assert await status_with_session(client, first) == 303
    assert await status_with_session(client, second) == 200


async def test_logout_ends_the_session_on_the_server(start_app: AppFactory) -> None:
    client = await start_app(run_worker=False)
    session_id = await log_in(client)
    token = await csrf_token(client, "/dashboard")
    response = await client.post(
        "/dashboard/logout", data={"csrf_token": token}, allow_redirects=False
    )
    assert response.status == 303 and response.headers["Location"] == "/dashboard/login"
    # A copy of the cookie kept elsewhere does not work either.
    assert await status_with_session(client, session_id) == 303


async def test_sessions_expire(start_app: AppFactory, db: asyncpg.Connection) -> None:
    client = await start_app(run_worker=False)
    session_id = await log_in(client)
    assert await status_with_session(client, session_id) == 200
    await db.execute("UPDATE dashboard_sessions SET expires_at = now() - interval '1 second'")
    assert await status_with_session(client, session_id) == 303


async def test_posts_without_a_valid_csrf_token_are_403(start_app: AppFactory) -> None:
    client = await start_app(run_worker=False)
    form = {"email": TEST_MERCHANT_EMAIL, "password": TEST_DASHBOARD_PASSWORD}
    assert (await client.post("/dashboard/login", data=form)).status == 403
    await log_in(client)
    for path in ("/dashboard/api-secret", "/dashboard/webhooks/secret", "/dashboard/logout"):
        for data in ({}, {"csrf_token": "0" * 64}):
            response = await client.post(path, data=data, allow_redirects=False)
            assert response.status == 403, path
            assert response.content_type == "text/html"
    # Nothing happened: the API secret still works and the session is still open.
    assert (await client.get("/api/v1/merchant", headers=MERCHANT)).status == 200
    assert (await client.get("/dashboard", allow_redirects=False)).status == 200


async def test_wrong_password_then_throttle(start_app: AppFactory, db: asyncpg.Connection) -> None:
    client = await start_app(run_worker=False)
    token = await csrf_token(client)
    wrong = {"csrf_token": token, "email": TEST_MERCHANT_EMAIL, "password": "wrong-password"}
    for _ in range(10):
        response = await client.post("/dashboard/login", data=wrong)
        assert response.status == 400
        assert "Wrong email or password" in await response.text()
    right = {**wrong, "password": TEST_DASHBOARD_PASSWORD}
    response = await client.post("/dashboard/login", data=right, allow_redirects=False)
    assert response.status == 429
    assert 1 <= int(response.headers["Retry-After"]) <= 900
    assert "try again in 15 min" in await response.text()
    # Counted under the dashboard's own key: a user named like the email is not throttled.
    keys = await db.fetch("SELECT username FROM login_failures")
    assert [row["username"] for row in keys] == [f"merchant:{TEST_MERCHANT_EMAIL}"]


async def test_another_merchants_objects_are_404_pages(
    start_app: AppFactory, other_merchant: dict[str, str]
) -> None:
    client = await start_app(test_payment_success=True)
    order = await create_order(client, headers=other_merchant)
    theirs = await create_payment(client, order["id"], headers=other_merchant)
    await log_in(client)
    token = await csrf_token(client, "/dashboard")
    page = await client.get(f"/dashboard/payments/{theirs['id']}")
    assert page.status == 404 and page.content_type == "text/html"
    for action in ("capture", "refunds"):
        response = await client.post(
            f"/dashboard/payments/{theirs['id']}/{action}",
            data={"csrf_token": token, "amount": "1.00"},
        )
        assert response.status == 404, action
    missing = await client.get(f"/dashboard/transactions?starting_after={theirs['id']}")
    assert missing.status == 404
    listing = await client.get("/dashboard/transactions")
    assert theirs["id"] not in await listing.text()
    retry = await client.post(
        "/dashboard/webhooks/00000000-0000-0000-0000-000000000000/retry",
        data={"csrf_token": token},
    )
    assert retry.status == 404


async def test_bad_filters_are_400_pages(start_app: AppFactory) -> None:
    client = await start_app(run_worker=False)
    await log_in(client)
    for query in ("status=done", "method=cash"):
        response = await client.get(f"/dashboard/transactions?{query}")
        assert response.status == 400 and response.content_type == "text/html"


async def test_refund_amount_in_units_and_capture_use_the_api_rules(
    start_app: AppFactory, caplog: pytest.LogCaptureFixture
) -> None:
    client = await start_app(test_payment_success=True)
    payment = await successful_payment(client, amount=50000)
    await log_in(client)
    path = f"/dashboard/payments/{payment['id']}"
    token = await csrf_token(client, path)
    too_precise = await client.post(
        f"{path}/refunds", data={"csrf_token": token, "amount": "1.001"}
    )
    assert too_precise.status == 400
    too_much = await client.post(f"{path}/refunds", data={"csrf_token": token, "amount": "500.01"})
    assert too_much.status == 400 and "left to refund" in await too_much.text()
    done = await client.post(
        f"{path}/refunds", data={"csrf_token": token, "amount": "100.50", "reason": "damaged"}
    )
    assert done.status == 200 and "Refund created" in await done.text()
    refunds = await (
        await client.get(f"/api/v1/payments/{payment['id']}/refunds", headers=MERCHANT)
    ).json()
    assert [(r["amount"], r["reason"]) for r in refunds["data"]] == [(10050, "damaged")]
    with caplog.at_level(logging.DEBUG):
        captured = await client.post(f"{path}/capture", data={"csrf_token": token})
        assert captured.status == 200
        again = await client.post(f"{path}/capture", data={"csrf_token": token})
    assert again.status == 400 and "already captured" in await again.text()
    api = await (await client.get(f"/api/v1/payments/{payment['id']}", headers=MERCHANT)).json()
    assert api["captured"] is True
    assert "payment_captured" in caplog.text


async def test_transactions_pages_of_20_newest_first(start_app: AppFactory) -> None:
    client = await start_app(run_worker=False)
    for _ in range(22):
        order = await create_order(client)
        await create_payment(client, order["id"])
    api = await (await client.get("/api/v1/payments?limit=100", headers=MERCHANT)).json()
    expected = [payment["id"] for payment in api["data"]]
    await log_in(client)
    first = await (await client.get("/dashboard/transactions")).text()
    assert re.findall(r"/dashboard/payments/(pay_\w+)", first) == expected[:20]
    next_url = re.search(r'href="([^"]+)" data-test-id="next-page"', first)
    assert next_url is not None
    second = await (await client.get(next_url.group(1).replace("&amp;", "&"))).text()
    assert re.findall(r"/dashboard/payments/(pay_\w+)", second) == expected[20:]
    assert 'data-test-id="next-page"' not in second
    none = await (await client.get("/dashboard/transactions?status=failed&method=card")).text()
    assert 'data-test-id="transaction-row"' not in none and "No payments match" in none


async def test_new_secrets_are_shown_once_and_never_logged(
    start_app: AppFactory, caplog: pytest.LogCaptureFixture
) -> None:
    client = await start_app(run_worker=False)
    with caplog.at_level(logging.DEBUG):
        await log_in(client)
        token = await csrf_token(client, "/dashboard")
        rolled = await (
            await client.post("/dashboard/api-secret", data={"csrf_token": token})
        ).text()
        webhook = await (
            await client.post("/dashboard/webhooks/secret", data={"csrf_token": token})
        ).text()
    api_secret = re.search(r'data-test-id="api-secret">(secret_[\w-]+)<', rolled)
    webhook_secret = re.search(r'data-test-id="webhook-secret">(whsec_[\w+/=]+)<', webhook)
    assert api_secret and webhook_secret
    later = await (await client.get("/dashboard")).text()
    later += await (await client.get("/dashboard/webhooks")).text()
    logged = caplog.text + "\n".join(str(record.msg) for record in caplog.records)
    assert "api_secret_rolled" in logged and "webhook_secret_regenerated" in logged
    for secret in (api_secret.group(1), webhook_secret.group(1), TEST_DASHBOARD_PASSWORD):
        assert secret not in logged and secret not in later


async def test_hostile_values_are_4xx_pages(start_app: AppFactory) -> None:
    client = await start_app(run_worker=False)
    await log_in(client)
    token = await csrf_token(client, "/dashboard")
    for path in (
        "/dashboard/transactions?starting_after=%00",
        "/dashboard/transactions?starting_after=" + "9" * 5000,
        "/dashboard/transactions?status=%00",
        "/dashboard/payments/%00",
        "/dashboard/payments/" + "x" * 5000,
    ):
        response = await client.get(path)
        assert 400 <= response.status < 500, (path, response.status)
    for data in ({"webhook_url": "http://exa\x00mple.com"}, {"webhook_url": "ftp://example.com"}):
        response = await client.post("/dashboard/webhooks/url", data={"csrf_token": token, **data})
        assert response.status == 400
    nul_login = {"csrf_token": token, "email": "a\x00@example.com", "password": "x" * 10}
    assert (await client.post("/dashboard/login", data=nul_login)).status == 400


async def test_a_dashboard_refund_sends_its_webhooks_without_a_sweep(
    start_app: AppFactory, receiver: Receiver, db: asyncpg.Connection
) -> None:
    # No sweep after start-up: refund.created must come from the process that committed it.
    client = await start_app(test_payment_success=True, webhook_sweep_interval=60)
    payment = await successful_payment(client, amount=50000)
    patched = await client.patch(
        "/api/v1/merchant", json={"webhook_url": receiver.url}, headers=MERCHANT
    )
    assert patched.status == 200
    await log_in(client)
    path = f"/dashboard/payments/{payment['id']}"
    token = await csrf_token(client, path)
    done = await client.post(f"{path}/refunds", data={"csrf_token": token, "amount": "100.00"})
    assert done.status == 200

    async def refund_events_delivered() -> bool:
        return bool(
            await db.fetchval(
                "SELECT count(*) = 2 FROM webhook_deliveries"
                " WHERE event LIKE 'refund.%' AND status = 'success'"
            )
        )

    assert await wait_until(refund_events_delivered)


async def test_expired_sessions_of_every_merchant_are_purged(
    start_app: AppFactory, db: asyncpg.Connection
) -> None:
    client = await start_app(run_worker=False)
    live = await log_in(client)
    client.session.cookie_jar.clear()
    await log_in(client)  # a second browser: two live sessions
    await db.execute(
        "UPDATE dashboard_sessions SET expires_at = now() - interval '1 second'"
        " WHERE id_hash <> $1",
        session_digest(live),
    )
    app = client.app
    await purge_dashboard_sessions_job(JobDeps(app[POOL], app[SETTINGS], app[QUEUE], app[HTTP]), 0)
    assert await db.fetchval("SELECT count(*) FROM dashboard_sessions") == 1
    assert await status_with_session(client, live) == 200
