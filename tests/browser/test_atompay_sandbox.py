"""The AtomPay sandbox in headless Chromium (DESIGN §8a): checkout → sandbox page → Pay →
the callback posted by the browser → payserv's result page."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.async_api import Browser, ConsoleMessage, expect

from tests.conftest import UserFactory
from tests.integration.atompay.conftest import (  # noqa: F401 - fixtures used here
    EventFactory,
    Start,
    make_event,
    start_payment,
    start_sandbox,
)


async def test_pay_an_event_through_the_sandbox(
    browser: Browser,
    start_sandbox: Start,  # noqa: F811 - the fixture imported above
    make_user: UserFactory,
    make_event: EventFactory,  # noqa: F811
    artifacts: Path,
) -> None:
    client = await start_sandbox()
    _, headers = await make_user()
    started = await start_payment(client, headers, await make_event(fee="250.00"))
    page = await browser.new_page()
    refused: list[str] = []  # what the CSP blocked (the favicon's 404 is no concern here)

    def note_refusal(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            refused.append(message.text)

    page.on("console", note_refusal)

    await page.goto(str(client.make_url(f"/atompay/checkout/{started['merchTxnId']}")))
    await expect(page.locator("#sandbox-banner")).to_contain_text("SANDBOX — no real money")
    await page.click("#pay-button")
    await page.wait_for_url(re.compile(r"/sandbox/atompay/pay/\d+$"))
    await expect(page.locator("#merch-txn-id")).to_have_text(started["merchTxnId"])
    await expect(page.locator("#amount")).to_have_text("INR 250.00")
    await expect(page.locator("#sandbox-banner")).to_be_visible()
    await page.screenshot(path=str(artifacts / "atompay-sandbox-pay.png"), full_page=True)
    await page.click("#pay-button")

    await page.wait_for_url(re.compile(r"/atompay/result/" + started["merchTxnId"] + "$"))
    await expect(page.locator("#result")).to_have_text("Payment received")
    await expect(page.locator("#status")).to_have_text("success")
    await expect(page.locator("#sandbox-banner")).to_be_visible()
    await page.screenshot(path=str(artifacts / "atompay-sandbox-result.png"), full_page=True)
    await page.close()
    assert refused == []
    response = await client.get(f"/api/atompay/payments/{started['merchTxnId']}", headers=headers)
    assert (await response.json())["status"] == "success"
