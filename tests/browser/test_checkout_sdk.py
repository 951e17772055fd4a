"""The SDK (``/checkout.js``) on a page of another origin, and the demo shop (DESIGN §4a)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer
from playwright.async_api import Browser, Page, expect

from tests.browser.test_checkout_browser import DELAY_MS, pay_upi
from tests.conftest import AppFactory
from tests.integration.gateway.conftest import Client, create_order

ServerFactory = Callable[..., Awaitable[TestServer]]
MERCHANT_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>A merchant</title></head>
<body>
<h1>Merchant shop</h1>
<button id="buy" type="button">Buy</button>
<script src="{payserv}/checkout.js"></script>
<script>
  window.events = [];
  window.openCheckout = function (orderId) {{
    window.gateway = new PaymentGateway({{
      key: "key_test_abc123",
      orderId: orderId,
      onSuccess: function (data) {{ window.events.push(["success", data]); }},
      onFailure: function (data) {{ window.events.push(["failure", data]); }},
      onClose: function () {{ window.events.push(["close"]); }}
    }});
    window.gateway.open();
  }};
</script>
</body></html>
"""
MODAL = '[data-test-id="payment-modal"]'


async def merchant_site(aiohttp_server: ServerFactory, payserv: Client) -> str:
    """A second server, another origin, whose page loads ``<payserv>/checkout.js``."""
    origin = str(payserv.make_url("")).rstrip("/")
    html = MERCHANT_PAGE.format(payserv=origin)

    async def page(request: web.Request) -> web.Response:
        return web.Response(text=html, content_type="text/html")

    app = web.Application()
    app.router.add_get("/", page)
    server = await aiohttp_server(app)
    return str(server.make_url("/"))


async def wait_for_event(page: Page, kind: str) -> Any:
    handle = await page.wait_for_function(
        f"window.events.find(function (e) {{ return e[0] === {kind!r}; }})", timeout=15_000
    )
    return await handle.json_value()


async def test_sdk_modal_on_another_origin_reports_success_and_closes(
    browser: Browser, start_app: AppFactory, aiohttp_server: ServerFactory, artifacts: Path
) -> None:
    payserv = await start_app(test_payment_success=True, test_processing_delay_ms=DELAY_MS)
    site = await merchant_site(aiohttp_server, payserv)
    order = await create_order(payserv)
    page = await browser.new_page()
    await page.goto(site)
    await page.evaluate("orderId => window.openCheckout(orderId)", order["id"])
    await expect(page.locator(MODAL)).to_be_visible()
    iframe = page.locator('[data-test-id="payment-iframe"]')
    src = await iframe.get_attribute("src")
    expected = payserv.make_url(f"/checkout?order_id={order['id']}&embedded=true")
    assert src == str(expected)
    # A message from any other origin (here the merchant page itself) is not believed.
    fake = {"type": "payment_success", "data": {"paymentId": "pay_fake"}}
    await page.evaluate("m => window.postMessage(m, '*')", fake)

    frame = page.frame_locator('[data-test-id="payment-iframe"]')
    await pay_upi(frame, "success@razorpay")
    await page.screenshot(path=str(artifacts / "checkout-sdk-modal.png"))
    _, data = await wait_for_event(page, "success")
    payment_id = await frame.locator('[data-test-id="payment-id"]').inner_text()
    assert data == {"paymentId": payment_id, "orderId": order["id"], "status": "success"}
    assert len(await page.evaluate("window.events")) == 1  # the fake was ignored

    await page.locator('[data-test-id="close-modal-button"]').click()
    await expect(page.locator(MODAL)).to_have_count(0)
    assert await page.evaluate("window.events.map(function (e) { return e[0]; })") == [
        "success",
        "close",
    ]


async def test_sdk_reports_failure_and_checks_its_options(
    browser: Browser, start_app: AppFactory, aiohttp_server: ServerFactory
) -> None:
    payserv = await start_app(test_payment_success=True, test_processing_delay_ms=DELAY_MS)
    site = await merchant_site(aiohttp_server, payserv)
    order = await create_order(payserv)
    page = await browser.new_page()
    await page.goto(site)
    for options in ("{orderId: 'order_x'}", "{key: 'key_test_abc123'}"):
        thrown = await page.evaluate(
            f"() => {{ try {{ new PaymentGateway({options}); return null; }}"
            " catch (e) { return e.message; } }"
        )
        assert thrown and "required" in thrown
    await page.evaluate("orderId => window.openCheckout(orderId)", order["id"])
    await pay_upi(page.frame_locator('[data-test-id="payment-iframe"]'), "failure@razorpay")
    _, data = await wait_for_event(page, "failure")
    assert (data["orderId"], data["status"]) == (order["id"], "failed")
    await page.evaluate("window.gateway.close()")
    await expect(page.locator(MODAL)).to_have_count(0)


async def test_demo_page_pays_through_the_sdk(
    browser: Browser, start_app: AppFactory, artifacts: Path
) -> None:
    payserv = await start_app(test_payment_success=True, test_processing_delay_ms=DELAY_MS)
    page = await browser.new_page()
    await page.goto(str(payserv.make_url("/demo")))
    await page.locator('[data-test-id="demo-pay-button"]').click()
    frame = page.frame_locator('[data-test-id="payment-iframe"]')
    await expect(frame.locator('[data-test-id="order-amount"]')).to_have_text("₹500.00")
    await pay_upi(frame, "user@paytm")
    await expect(page.locator('[data-test-id="demo-result"]')).to_contain_text(
        "Paid: pay_", timeout=15_000
    )
    await page.screenshot(path=str(artifacts / "checkout-demo.png"))
    await frame.locator("#done-button").click()  # the page asks its parent to close it
    await expect(page.locator('[data-test-id="payment-modal"]')).to_have_count(0)
