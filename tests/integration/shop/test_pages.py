"""Shop HTML pages over plain HTTP: content, missing-key notice, result pages, 404 pages."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from tests.integration.shop.conftest import Client, Factory
from tests.integration.test_page_security import assert_page_headers, assert_scripts_carry_the_nonce

Start = Callable[..., Awaitable[Client]]


async def test_item_order_and_payment_intent_pages(
    start_shop: Start, make_item: Factory, make_order: Factory
) -> None:
    client = await start_shop()
    item = await make_item(client, "Tea <b>set</b>", "4500", "JPY")
    page = await (await client.get(f"/item/{item['id']}")).text()
    assert "Tea &lt;b&gt;set&lt;/b&gt;" in page and "4500 JPY" in page
    assert 'id="buy-button"' in page and "stripe-not-configured" not in page
    assert '"pk_test_default"' in page and "https://js.stripe.com/v3/" in page
    order = await make_order(client, [(item["id"], 2)])
    order_page = await (await client.get(f"/order/{order['id']}")).text()
    assert "9000 JPY" in order_page and f'"/buy/order/{order["id"]}"' in order_page
    for path in (f"/pay/item/{item['id']}", f"/pay/order/{order['id']}"):
        pay = await client.get(path)
        assert pay.status == 200 and "/payment-intent/" in await pay.text()
    for path, heading in (("/success?session_id=cs_1", "Thank you!"), ("/cancel", "cancelled")):
        assert heading in await (await client.get(path)).text()


async def test_missing_key_notice_and_error_pages(start_shop: Start, make_item: Factory) -> None:
    client = await start_shop(stripe_secret_keys={"EUR": "sk_test_eur"})
    item = await make_item(client, "Mug", "12.50", "USD")
    page = await (await client.get(f"/item/{item['id']}")).text()
    assert "STRIPE_SECRET_KEY_USD" in page and "disabled" in page
    missing = await client.get("/item/424242")
    assert missing.status == 404 and missing.content_type == "text/html"
    assert missing.status == 404 and (await client.get("/order/0")).status == 404


async def test_stripe_pages_allow_exactly_stripe_and_nonce_their_scripts(
    start_shop: Start, make_item: Factory, make_order: Factory
) -> None:
    client = await start_shop()
    item = await make_item(client, "Mug", "12.50", "USD")
    order = await make_order(client, [(item["id"], 1)])
    paths = [f"/item/{item['id']}", f"/order/{order['id']}", f"/pay/item/{item['id']}"]
    for path in paths:
        response = await client.get(path)
        csp = assert_scripts_carry_the_nonce(response, await response.text())
        assert csp["script-src"][1:] == ["https://js.stripe.com"], path
        assert csp["connect-src"] == ["'self'", "https://api.stripe.com"], path
        assert csp["frame-src"] == ["'self'", "https://js.stripe.com", "https://hooks.stripe.com"]
    result = await client.get("/success?session_id=cs_1")
    assert "https://js.stripe.com" not in result.headers["Content-Security-Policy"]
    assert_page_headers(result)
