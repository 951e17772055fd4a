"""The item page under its real Content-Security-Policy in headless Chromium: no violations.

js.stripe.com and api.stripe.com are out of reach here, so Playwright answers for them with a
small stand-in. The browser still applies the page's CSP first: a blocked Stripe.js, inline
script or connection never reaches the stand-in and is reported as a violation.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable

from playwright.async_api import Browser, ConsoleMessage, Route

from tests.integration.shop.conftest import Client, Factory
from tests.integration.shop.stripe_stub import StripeStub

Start = Callable[..., Awaitable[Client]]

# Stripe.js stand-in: redirectToCheckout calls api.stripe.com (a connection the CSP must
# allow), then reports an error so that the page falls back to the session's URL.
FAKE_STRIPE_JS = """
window.Stripe = function (key) {
  return {
    redirectToCheckout: async function (options) {
      await fetch("https://api.stripe.com/v1/fake?session=" + options.sessionId);
      return { error: { message: "this stand-in does not redirect" } };
    }
  };
};
"""
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", function (event) {
  window.reportCspViolation(event.violatedDirective + " " + event.blockedURI);
});
"""


async def test_item_page_runs_its_scripts_under_the_csp(
    browser: Browser, start_shop: Start, stripe_stub: StripeStub, make_item: Factory
) -> None:
    client = await start_shop()  # Stripe.js from its real address, https://js.stripe.com/v3/
    item = await make_item(client, "Coffee mug", "12.50")
    page = await browser.new_page()
    console: list[str] = []
    page.on("console", lambda message: console.append(_text(message)))
    violations: list[str] = []
    await page.expose_function("reportCspViolation", lambda text: violations.append(text))
    await page.add_init_script(REPORT_VIOLATIONS)
    api_called = asyncio.Event()

    async def stripe_js(route: Route) -> None:
        await route.fulfill(body=FAKE_STRIPE_JS, content_type="application/javascript")

    async def stripe_api(route: Route) -> None:
        api_called.set()
        await route.fulfill(json={}, headers={"Access-Control-Allow-Origin": "*"})

    await page.route("https://js.stripe.com/**", stripe_js)
    await page.route("https://api.stripe.com/**", stripe_api)

    response = await page.goto(str(client.make_url(f"/item/{item['id']}")))
    assert response is not None and "'nonce-" in response.headers["content-security-policy"]
    await page.wait_for_function("typeof window.Stripe === 'function'")  # Stripe.js ran
    assert await page.evaluate("document.readyState") == "complete"
    assert violations == [], violations  # e.g. an inline script without the nonce
    await page.click("#buy-button")  # the inline script (nonce) handles the click
    await asyncio.wait_for(api_called.wait(), timeout=15)
    checkout = re.compile(re.escape(stripe_stub.url) + r"/checkout/cs_test_\w+")
    await page.wait_for_url(checkout, timeout=15_000)
    assert violations == []
    assert not [line for line in console if "Content Security Policy" in line], console
    await page.close()


def _text(message: ConsoleMessage) -> str:
    return f"{message.type}: {message.text}"
