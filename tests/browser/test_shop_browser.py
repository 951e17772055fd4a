"""Item and order pages in headless Chromium: Buy ends on the Checkout URL Stripe returned."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from pathlib import Path

from aiohttp import web
from playwright.async_api import Browser, expect

from payserv.handlers.shop.pages import STRIPE_JS_URL
from tests.integration.shop.conftest import Client, Factory
from tests.integration.shop.stripe_stub import StripeStub

Start = Callable[..., Awaitable[Client]]
# js.stripe.com is out of reach here: point Stripe.js at a closed port so it fails to load,
# and the page must fall back to ``location = session.url``.
UNREACHABLE_STRIPE_JS = "http://127.0.0.1:9/v3/"


def no_stripe_js(app: web.Application) -> None:
    app[STRIPE_JS_URL] = UNREACHABLE_STRIPE_JS


async def test_buy_item_and_order_end_on_checkout(
    browser: Browser,
    start_shop: Start,
    stripe_stub: StripeStub,
    make_item: Factory,
    make_order: Factory,
    artifacts: Path,
) -> None:
    client = await start_shop(setup=no_stripe_js)
    item = await make_item(client, "Coffee mug", "12.50")
    order = await make_order(client, [(item["id"], 3)])
    page = await browser.new_page()
    checkout = re.compile(re.escape(stripe_stub.url) + r"/checkout/cs_test_\w+")

    await page.goto(str(client.make_url(f"/item/{item['id']}")))
    await expect(page.locator("#item-name")).to_have_text("Coffee mug")
    await expect(page.locator("#item-price")).to_contain_text("12.50 USD")
    await page.screenshot(path=str(artifacts / "shop-item.png"))
    await page.click("#buy-button")
    await page.wait_for_url(checkout, timeout=15_000)
    [session] = stripe_stub.created("checkout.session")
    assert page.url == session["url"]

    await page.goto(str(client.make_url(f"/order/{order['id']}")))
    await expect(page.locator("#order-total")).to_contain_text("37.50 USD")
    await page.click("#buy-button")
    await page.wait_for_url(checkout, timeout=15_000)
    assert page.url == stripe_stub.created("checkout.session")[1]["url"]
    await page.screenshot(path=str(artifacts / "shop-checkout.png"))
    await page.close()


async def test_page_explains_missing_stripe_key(
    browser: Browser, start_shop: Start, make_item: Factory, artifacts: Path
) -> None:
    client = await start_shop(setup=no_stripe_js, stripe_secret_keys={}, stripe_publishable_keys={})
    item = await make_item(client, "Notebook", "9.90", "EUR")
    page = await browser.new_page()
    await page.goto(str(client.make_url(f"/item/{item['id']}")))
    notice = page.locator("#stripe-not-configured")
    await expect(notice).to_contain_text("STRIPE_SECRET_KEY_EUR")
    await expect(page.locator("#buy-button")).to_be_disabled()
    await page.screenshot(path=str(artifacts / "shop-not-configured.png"))
    await page.close()
