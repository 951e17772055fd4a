"""The hosted checkout in headless Chromium (DESIGN §4a): pay, fail, retry, validate, pay once."""

from __future__ import annotations

from pathlib import Path

import asyncpg
from playwright.async_api import Browser, FrameLocator, Page, Route, expect

from tests.conftest import AppFactory
from tests.integration.gateway.conftest import Client, create_order

Scope = Page | FrameLocator
# Small enough to keep the tests quick, large enough that processing-state is seen.
DELAY_MS = 300


async def pay_upi(scope: Scope, vpa: str) -> None:
    await scope.locator('[data-test-id="method-upi"]').click()
    await scope.locator('[data-test-id="vpa-input"]').fill(vpa)
    await scope.locator('[data-test-id="upi-form"] [data-test-id="pay-button"]').click()


async def pay_card(scope: Scope, number: str, expiry: str = "12/30") -> None:
    await scope.locator('[data-test-id="method-card"]').click()
    await scope.locator('[data-test-id="card-number-input"]').fill(number)
    await scope.locator('[data-test-id="expiry-input"]').fill(expiry)
    await scope.locator('[data-test-id="cvv-input"]').fill("123")
    await scope.locator('[data-test-id="cardholder-name-input"]').fill("Asha Rao")
    await scope.locator('[data-test-id="card-form"] [data-test-id="pay-button"]').click()


async def expect_success(scope: Scope) -> str:
    await expect(scope.locator('[data-test-id="success-state"]')).to_be_visible(timeout=15_000)
    payment_id = await scope.locator('[data-test-id="payment-id"]').inner_text()
    assert payment_id.startswith("pay_")
    return payment_id


async def expect_error(scope: Scope, message: str) -> None:
    await expect(scope.locator('[data-test-id="error-state"]')).to_be_visible(timeout=15_000)
    await expect(scope.locator('[data-test-id="error-message"]')).to_have_text(message)


async def open_checkout(browser: Browser, client: Client, amount: int = 50000) -> Page:
    order = await create_order(client, amount=amount)
    page = await browser.new_page()
    await page.goto(str(client.make_url(f"/checkout?order_id={order['id']}")))
    await expect(page.locator('[data-test-id="order-id"]')).to_have_text(order["id"])
    return page


async def test_pay_by_upi_and_by_card_to_success(
    browser: Browser, start_app: AppFactory, artifacts: Path
) -> None:
    client = await start_app(test_payment_success=True, test_processing_delay_ms=DELAY_MS)
    page = await open_checkout(browser, client)
    await expect(page.locator('[data-test-id="order-amount"]')).to_have_text("₹500.00")
    await page.screenshot(path=str(artifacts / "checkout-start.png"))
    await pay_upi(page, "user@paytm")
    await expect(page.locator('[data-test-id="processing-state"]')).to_be_visible()
    await expect(page.locator('[data-test-id="processing-message"]')).not_to_be_empty()
    payment_id = await expect_success(page)
    await expect(page.locator('[data-test-id="success-message"]')).to_be_visible()
    response = await client.get(f"/api/v1/payments/{payment_id}/public")
    assert (await response.json())["status"] == "success"
    await page.screenshot(path=str(artifacts / "checkout-success.png"))

    page = await open_checkout(browser, client, amount=123456)
    await expect(page.locator('[data-test-id="order-amount"]')).to_have_text("₹1,234.56")
    await pay_card(page, "4111 1111 1111 1111")
    card_payment = await expect_success(page)
    response = await client.get(f"/api/v1/payments/{card_payment}/public")
    assert (await response.json())["method"] == "card"
    # Reloaded, the paid order shows its success at once.
    await page.reload()
    await expect(page.locator('[data-test-id="payment-id"]')).to_have_text(card_payment)
    await expect(page.locator('[data-test-id="payment-methods"]')).to_be_hidden()


async def test_failure_instruments_show_the_error_and_a_retry_succeeds(
    browser: Browser, start_app: AppFactory, artifacts: Path
) -> None:
    client = await start_app(test_payment_success=True, test_processing_delay_ms=DELAY_MS)
    page = await open_checkout(browser, client)
    await pay_upi(page, "failure@razorpay")
    await expect_error(page, "payment was declined")
    await page.screenshot(path=str(artifacts / "checkout-failed.png"))
    await page.locator('[data-test-id="retry-button"]').click()
    await pay_upi(page, "success@razorpay")
    await expect_success(page)

    page = await open_checkout(browser, client)
    await pay_card(page, "4000 0000 0000 0002")
    await expect_error(page, "payment was declined")
    await page.locator('[data-test-id="retry-button"]').click()
    await pay_card(page, "5555 5555 5555 4444")
    await expect_success(page)


async def test_validation_errors_show_the_apis_description_at_once(
    browser: Browser, start_app: AppFactory, db: asyncpg.Connection
) -> None:
    client = await start_app(test_payment_success=True, test_processing_delay_ms=DELAY_MS)
    page = await open_checkout(browser, client)
    cases = [
        (lambda: pay_upi(page, "not-a-vpa"), "vpa must look like name@bank"),
        (lambda: pay_card(page, "4111 1111 1111 1112"), "card number is not valid"),
        (lambda: pay_card(page, "4111 1111 1111 1111", expiry="01/20"), "card has expired"),
    ]
    for action, message in cases:
        await action()
        await expect_error(page, message)
        await page.locator('[data-test-id="retry-button"]').click()
        await expect(page.locator('[data-test-id="payment-methods"]')).to_be_visible()
    assert await db.fetchval("SELECT count(*) FROM gateway_payments") == 0


async def test_a_second_click_or_a_retried_network_error_pays_once(
    browser: Browser, start_app: AppFactory, db: asyncpg.Connection
) -> None:
    client = await start_app(test_payment_success=True, test_processing_delay_ms=DELAY_MS)
    page = await open_checkout(browser, client)
    await page.locator('[data-test-id="method-upi"]').click()
    await page.locator('[data-test-id="vpa-input"]').fill("user@paytm")
    pay = page.locator('[data-test-id="upi-form"] [data-test-id="pay-button"]')
    await pay.dblclick()
    await page.evaluate("document.getElementById('upi-form').requestSubmit()")
    await expect_success(page)
    assert await db.fetchval("SELECT count(*) FROM gateway_payments") == 1

    # The first POST reaches payserv but its answer is lost: retry sends the same key.
    page = await open_checkout(browser, client)
    lost: list[str] = []

    async def lose_answer(route: Route) -> None:
        if lost:
            await route.continue_()
            return
        response = await route.fetch()
        lost.append(await response.text())
        await route.abort("connectionreset")

    await page.route("**/api/v1/payments/public", lose_answer)
    await pay_upi(page, "user@paytm")
    await expect(page.locator('[data-test-id="error-state"]')).to_be_visible()
    await expect(page.locator('[data-test-id="error-message"]')).to_contain_text("could not reach")
    await page.locator('[data-test-id="retry-button"]').click()
    payment_id = await expect_success(page)
    assert payment_id in lost[0]  # the retry was answered with the same payment
    assert await db.fetchval("SELECT count(*) FROM gateway_payments") == 2


async def test_unknown_order_is_a_404_page(browser: Browser, start_app: AppFactory) -> None:
    client = await start_app(run_worker=False)
    page = await browser.new_page()
    response = await page.goto(str(client.make_url("/checkout?order_id=order_AAAAAAAAAAAAAAAA")))
    assert response is not None and response.status == 404
    await expect(page.locator("h1")).to_contain_text("404")
