"""Regenerate docs/*.png from the real pages: ``python docs/screenshots.py``.

Starts payserv (``python run.py serve``, test mode, its own embedded database in a temporary
directory, a free port on 127.0.0.1), drives the hosted checkout, the demo shop and the
merchant dashboard in headless Chromium, and writes the PNGs next to this file. Needs
Playwright and Chromium (the test extras).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
from playwright.async_api import Browser, Page, expect

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
MERCHANT = {"X-Api-Key": "key_test_abc123", "X-Api-Secret": "secret_test_xyz789"}
DESKTOP = {"width": 1100, "height": 720}
MOBILE = {"width": 375, "height": 720}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start_payserv(data_dir: str, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PAYSERV_DATA_DIR": data_dir,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "TEST_MODE": "true",
        "TEST_PAYMENT_SUCCESS": "true",
        "TEST_PROCESSING_DELAY": "1500",  # long enough to photograph processing-state
        "LOG_LEVEL": "WARNING",
    }
    env.pop("DATABASE_URL", None)
    return subprocess.Popen([sys.executable, "run.py", "serve"], cwd=ROOT, env=env)


async def wait_healthy(http: aiohttp.ClientSession, base: str) -> None:
    deadline = time.monotonic() + 120  # the first start creates the embedded database
    while time.monotonic() < deadline:
        try:
            async with http.get(f"{base}/health") as response:
                if response.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.5)
    raise RuntimeError(f"payserv did not become healthy at {base}")


async def create_order(http: aiohttp.ClientSession, base: str) -> str:
    body = {"amount": 50000, "currency": "INR"}
    async with http.post(f"{base}/api/v1/orders", json=body, headers=MERCHANT) as response:
        order: dict[str, Any] = await response.json()
        return str(order["id"])


async def checkout(browser: Browser, base: str, viewport: dict[str, int]) -> Page:
    page = await browser.new_page(viewport=viewport)  # type: ignore[arg-type]
    async with aiohttp.ClientSession() as http:
        order_id = await create_order(http, base)
    await page.goto(f"{base}/checkout?order_id={order_id}")
    return page


async def fill_card(page: Page, number: str) -> None:
    await page.locator('[data-test-id="method-card"]').click()
    await page.locator('[data-test-id="card-number-input"]').fill(number)
    await page.locator('[data-test-id="expiry-input"]').fill("12/30")
    await page.locator('[data-test-id="cvv-input"]').fill("123")
    await page.locator('[data-test-id="cardholder-name-input"]').fill("Asha Rao")


async def shoot(browser: Browser, base: str) -> None:
    page = await checkout(browser, base, DESKTOP)
    await fill_card(page, "4111 1111 1111 1111")
    await page.screenshot(path=DOCS / "checkout-card.png")
    await page.locator('[data-test-id="card-form"] [data-test-id="pay-button"]').click()
    await expect(page.locator('[data-test-id="processing-state"]')).to_be_visible()
    await page.screenshot(path=DOCS / "checkout-processing.png")

    page = await checkout(browser, base, MOBILE)
    await page.locator('[data-test-id="method-upi"]').click()
    await page.locator('[data-test-id="vpa-input"]').fill("success@razorpay")
    await page.screenshot(path=DOCS / "checkout-upi-375.png")
    await page.locator('[data-test-id="upi-form"] [data-test-id="pay-button"]').click()
    await expect(page.locator('[data-test-id="success-state"]')).to_be_visible(timeout=20_000)
    await page.screenshot(path=DOCS / "checkout-success-375.png")

    page = await checkout(browser, base, MOBILE)
    await fill_card(page, "4000 0000 0000 0002")
    await page.locator('[data-test-id="card-form"] [data-test-id="pay-button"]').click()
    await expect(page.locator('[data-test-id="error-state"]')).to_be_visible(timeout=20_000)
    await page.screenshot(path=DOCS / "checkout-error-375.png")

    page = await browser.new_page(viewport=DESKTOP)  # type: ignore[arg-type]
    await page.goto(f"{base}/demo")
    await page.screenshot(path=DOCS / "checkout-demo.png")
    await page.locator('[data-test-id="demo-pay-button"]').click()
    frame = page.frame_locator('[data-test-id="payment-iframe"]')
    await frame.locator('[data-test-id="method-upi"]').click()
    await frame.locator('[data-test-id="vpa-input"]').fill("success@razorpay")
    await page.screenshot(path=DOCS / "checkout-modal.png")


async def shoot_dashboard(browser: Browser, base: str) -> None:
    page = await browser.new_page(viewport=DESKTOP)  # type: ignore[arg-type]
    await page.goto(f"{base}/dashboard/login")
    await page.locator('[data-test-id="email-input"]').fill("test@example.com")
    await page.locator('[data-test-id="password-input"]').fill("password_test_abc123")
    await page.locator('[data-test-id="login-button"]').click()
    await expect(page.locator('[data-test-id="stats-container"]')).to_be_visible()
    await page.screenshot(path=DOCS / "dashboard-overview.png", full_page=True)
    await page.goto(f"{base}/dashboard/transactions")
    await page.screenshot(path=DOCS / "dashboard-transactions.png")
    await page.set_viewport_size(MOBILE)  # type: ignore[arg-type]
    await page.screenshot(path=DOCS / "dashboard-transactions-375.png")


async def main() -> None:
    from playwright.async_api import async_playwright

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="payserv-screens-") as data_dir:
        server = start_payserv(data_dir, port)
        try:
            async with aiohttp.ClientSession() as http:
                await wait_healthy(http, base)
            async with async_playwright() as playwright:
                browser = await playwright.chromium.launch(
                    executable_path=shutil.which("chromium") or "/usr/bin/chromium",
                    args=["--no-sandbox", "--disable-gpu"],
                )
                await shoot(browser, base)
                await shoot_dashboard(browser, base)
                await browser.close()
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=60)
    print("\n".join(str(path.relative_to(ROOT)) for path in sorted(DOCS.glob("*.png"))))


if __name__ == "__main__":
    asyncio.run(main())
