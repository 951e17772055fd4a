"""The Stripe sandbox in headless Chromium: item page → Buy → stand-in checkout → Pay → /success."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from pathlib import Path

from playwright.async_api import Browser, expect

from tests.integration.shop.conftest import (  # noqa: F401 - the fixture used here
    Client,
    Factory,
    start_sandbox,
)

Start = Callable[..., Awaitable[Client]]


async def test_buy_and_pay_an_order_through_the_sandbox(
    browser: Browser,
    start_sandbox: Start,  # noqa: F811 - the imported fixture
    make_item: Factory,
    make_order: Factory,
    admin_headers: dict[str, str],
    artifacts: Path,
) -> None:
    client = await start_sandbox()
    item = await make_item(client, "Coffee mug", "12.50")
    order = await make_order(client, [(item["id"], 2)])
    page = await browser.new_page()

    await page.goto(str(client.make_url(f"/order/{order['id']}")))
    await expect(page.locator("#stripe-sandbox")).to_contain_text("sandbox")
    await page.click("#buy-button")
    await page.wait_for_url(re.compile(r"/sandbox/stripe/checkout/cs_test_sandbox_\w+$"))
    await expect(page.locator("#sandbox-banner")).to_contain_text("SANDBOX — no real money")
    await expect(page.locator("#sandbox-total")).to_contain_text("25.00 USD")
    await expect(page.locator("#line-items")).to_contain_text("Coffee mug")
    await page.screenshot(path=str(artifacts / "stripe-sandbox-checkout.png"), full_page=True)

    await page.click("#sandbox-pay")
    await page.wait_for_url(re.compile(r"/success\?session_id=cs_test_sandbox_\w+$"))
    await expect(page.locator("#result-heading")).to_have_text("Thank you!")
    fetched = await client.get(f"/api/shop/orders/{order['id']}", headers=admin_headers)
    assert (await fetched.json())["paid"] is True
    await page.goto(str(client.make_url(f"/order/{order['id']}")))
    await expect(page.locator("#order-paid")).to_be_visible()
    await page.close()
