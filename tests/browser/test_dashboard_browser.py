"""The merchant dashboard in headless Chromium, by its data-test-id names (DESIGN §4b)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, Page, ViewportSize, expect

from payserv.gateway.merchants import (
    TEST_API_KEY,
    TEST_DASHBOARD_PASSWORD,
    TEST_MERCHANT_EMAIL,
    TEST_WEBHOOK_SECRET,
)
from tests.conftest import AppFactory
from tests.helpers.webhook_receiver import Receiver, start_receiver
from tests.integration.gateway.conftest import (
    MERCHANT,
    Client,
    card,
    create_order,
    create_payment,
    settled_payment,
)
from tests.integration.gateway.test_merchant_secrets import verifies

DESKTOP = ViewportSize(width=1280, height=900)
PHONE = ViewportSize(width=375, height=800)


def tid(name: str) -> str:
    return f'[data-test-id="{name}"]'


@pytest.fixture
async def page(browser: Browser) -> AsyncIterator[Page]:
    context = await browser.new_context(viewport=DESKTOP)
    yield await context.new_page()
    await context.close()


@pytest.fixture
async def hook(aiohttp_server: Any) -> Receiver:
    """A local webhook receiver the dashboard's webhooks are pointed at."""
    return await start_receiver(aiohttp_server)


async def log_in(page: Page, client: Client, password: str = TEST_DASHBOARD_PASSWORD) -> None:
    await page.goto(str(client.make_url("/dashboard/login")))
    await page.fill(tid("email-input"), TEST_MERCHANT_EMAIL)
    await page.fill(tid("password-input"), password)
    await page.click(tid("login-button"))


async def shoot(page: Page, artifacts: Path, name: str) -> None:
    """Desktop and 375 px screenshots of the current page."""
    await page.set_viewport_size(DESKTOP)
    await page.screenshot(path=str(artifacts / f"dashboard-{name}.png"), full_page=True)
    await page.set_viewport_size(PHONE)
    await page.screenshot(path=str(artifacts / f"dashboard-{name}-375.png"), full_page=True)
    await page.set_viewport_size(DESKTOP)


async def settled(client: Client, vpa: str = "success@razorpay", amount: int = 50000) -> dict:
    order = await create_order(client, amount=amount)
    payment = await create_payment(client, order["id"], vpa=vpa)
    return await settled_payment(client, payment["id"])


async def test_login_wrong_password_then_throttle(
    start_app: AppFactory, page: Page, artifacts: Path
) -> None:
    client = await start_app(run_worker=False)
    await page.goto(str(client.make_url("/dashboard")))
    await expect(page.locator(tid("login-form"))).to_be_visible()
    await shoot(page, artifacts, "login")
    for _ in range(10):
        await log_in(page, client, password="not-the-password")
        await expect(page.locator(tid("login-error"))).to_contain_text("Wrong email or password")
    await log_in(page, client)  # the right password, but the limit is reached
    await expect(page.locator(tid("login-error"))).to_contain_text("try again in 15 min")
    assert "/dashboard/login" in page.url


async def test_stats_equal_what_the_api_reports(
    start_app: AppFactory, page: Page, artifacts: Path
) -> None:
    client = await start_app()
    for amount in (50000, 73450, 100):
        await settled(client, amount=amount)
    await settled(client, vpa="failure@razorpay")
    api = await (await client.get("/api/v1/payments?limit=100", headers=MERCHANT)).json()
    succeeded = [p for p in api["data"] if p["status"] == "success"]
    total = sum(p["amount"] for p in succeeded)
    await log_in(page, client)
    await expect(page.locator(tid("dashboard"))).to_be_visible()
    await expect(page.locator(tid("api-key"))).to_have_text(TEST_API_KEY)
    await expect(page.locator(tid("total-transactions"))).to_have_text(str(api["total"]))
    await expect(page.locator(tid("total-amount"))).to_have_text(f"₹{total / 100:,.2f}")
    assert f"₹{total / 100:,.2f}" == "₹1,235.50"
    rate = 100 * len(succeeded) / api["total"]
    await expect(page.locator(tid("success-rate"))).to_have_text(f"{rate:.1f}%")
    chart = page.locator(f"svg{tid('payments-chart')}")
    await expect(chart.locator("rect.bar-success")).to_have_count(1)
    await expect(chart.locator("rect.bar-failed")).to_have_count(1)
    await expect(chart.locator("text")).to_have_count(14)
    assert TEST_WEBHOOK_SECRET not in await page.content()
    await shoot(page, artifacts, "overview")


async def test_transactions_filters_capture_and_refund(
    start_app: AppFactory, page: Page, artifacts: Path
) -> None:
    # The card is no test instrument: without this it failed at random (5 %).
    client = await start_app(test_payment_success=True)
    good = await settled(client)
    failed = await settled(client, vpa="failure@razorpay")
    order = await create_order(client)
    by_card = await create_payment(client, order["id"], method="card", card=card())
    await settled_payment(client, by_card["id"])
    await log_in(page, client)
    await page.goto(str(client.make_url("/dashboard/transactions")))
    rows = page.locator(tid("transaction-row"))
    await expect(rows).to_have_count(3)
    await expect(rows.first.locator(tid("payment-id"))).to_have_text(by_card["id"])  # newest
    await expect(rows.first.locator(tid("amount"))).to_have_text("₹500.00")
    await shoot(page, artifacts, "transactions")
    await page.select_option(tid("status-filter"), "failed")
    await page.click(tid("filter-button"))
    await expect(rows).to_have_count(1)
    await expect(rows.locator(tid("payment-id"))).to_have_text(failed["id"])
    await page.goto(str(client.make_url("/dashboard/transactions?method=card")))
    await expect(rows).to_have_count(1)
    await expect(rows.locator(tid("method"))).to_have_text("card")

    await page.goto(str(client.make_url("/dashboard/transactions?status=success&method=upi")))
    await rows.locator(tid("payment-id")).click()
    await page.wait_for_url(f"**/dashboard/payments/{good['id']}")
    await page.click(tid("capture-button"))
    await expect(page.locator(tid("captured"))).to_have_text("yes")
    await expect(page.locator(tid("capture-button"))).to_have_count(0)
    await page.fill(f"{tid('refund-form')} input[name=amount]", "100.50")
    await page.fill(f"{tid('refund-form')} input[name=reason]", "damaged in transit")
    await page.click(f"{tid('refund-form')} button[type=submit]")
    await expect(page.locator(tid("refund-row"))).to_have_count(1)
    await expect(page.locator(tid("refund-amount"))).to_have_text("₹100.50")
    await shoot(page, artifacts, "payment")
    payment = await (await client.get(f"/api/v1/payments/{good['id']}", headers=MERCHANT)).json()
    assert payment["captured"] is True
    path = f"/api/v1/payments/{good['id']}/refunds"
    refunds = await (await client.get(path, headers=MERCHANT)).json()
    assert [(r["amount"], r["reason"]) for r in refunds["data"]] == [(10050, "damaged in transit")]


async def test_webhook_url_secret_test_and_retry(
    start_app: AppFactory, page: Page, hook: Receiver, artifacts: Path
) -> None:
    client = await start_app()
    await log_in(page, client)
    await page.goto(str(client.make_url("/dashboard/webhooks")))
    await expect(page.locator(tid("webhook-config"))).to_be_visible()
    await page.fill(tid("webhook-url-input"), hook.url)
    await page.click(tid("save-webhook-button"))
    await expect(page.locator(tid("webhook-url-input"))).to_have_value(hook.url)
    merchant = await (await client.get("/api/v1/merchant", headers=MERCHANT)).json()
    assert merchant["webhook_url"] == hook.url
    await expect(page.locator(tid("webhook-secret"))).not_to_contain_text(TEST_WEBHOOK_SECRET)

    await page.click(tid("regenerate-secret-button"))
    secret = (await page.locator(tid("webhook-secret")).inner_text()).strip()
    assert secret.startswith("whsec_") and len(secret) == 50
    await page.click(tid("test-webhook-button"))
    [call] = await hook.wait_calls(1)
    assert b'"event":"webhook.test"' in call.body
    assert verifies(call, secret) and not verifies(call, TEST_WEBHOOK_SECRET)

    await page.reload()
    items = page.locator(tid("webhook-log-item"))
    await expect(items).to_have_count(1)
    await expect(page.locator(tid("webhook-secret"))).not_to_contain_text(secret)
    await items.first.locator(tid("retry-webhook-button")).click()
    calls = await hook.wait_calls(2)
    assert calls[1].body == call.body
    assert calls[1].headers["webhook-id"] == call.headers["webhook-id"]
    await shoot(page, artifacts, "webhooks")


async def test_roll_api_secret_and_docs(start_app: AppFactory, page: Page, artifacts: Path) -> None:
    client = await start_app(run_worker=False)
    await log_in(page, client)
    await expect(page.locator(tid("api-secret"))).not_to_contain_text(MERCHANT["X-Api-Secret"])
    await page.click(tid("roll-secret-button"))
    new_secret = (await page.locator(tid("api-secret")).inner_text()).strip()
    assert new_secret.startswith("secret_")
    assert (await client.get("/api/v1/merchant", headers=MERCHANT)).status == 401
    rolled = {**MERCHANT, "X-Api-Secret": new_secret}
    assert (await client.get("/api/v1/merchant", headers=rolled)).status == 200

    await page.goto(str(client.make_url("/dashboard/docs")))
    docs = page.locator(tid("api-docs"))
    await expect(docs).to_contain_text(f'key: "{TEST_API_KEY}"')
    await expect(docs).to_contain_text(f"X-Api-Key: {TEST_API_KEY}")
    await expect(docs).to_contain_text("new PaymentGateway(")
    await expect(docs).to_contain_text("webhook-signature")
    await expect(docs).to_contain_text("X-Webhook-Signature")
    await expect(docs.locator("tr", has_text="/api/v1/merchant/webhook-test")).to_have_count(1)
    assert new_secret not in await page.content()
    await shoot(page, artifacts, "docs")
