"""The hosted checkout's pages at the HTTP level (DESIGN §4a): framing, 404s, assets, the demo."""

from __future__ import annotations

import re

from tests.conftest import AppFactory
from tests.integration.gateway.conftest import create_order, successful_payment


def frame_ancestors(csp: str) -> str:
    match = re.search(r"frame-ancestors ([^;]+)", csp)
    assert match, csp
    return match.group(1).strip()


async def test_checkout_may_be_framed_by_any_site_and_nothing_else(
    start_app: AppFactory,
) -> None:
    client = await start_app(run_worker=False)
    order = await create_order(client)
    for path in (f"/checkout?order_id={order['id']}", f"/checkout/{order['id']}?embedded=true"):
        page = await client.get(path)
        assert page.status == 200
        assert frame_ancestors(page.headers["Content-Security-Policy"]) == "*"
        assert "X-Frame-Options" not in page.headers
        assert "'nonce-" in page.headers["Content-Security-Policy"]
    for path in ("/demo", "/admin/", "/checkout.js"):
        other = await client.get(path)
        assert other.status == 200
        if other.content_type == "text/html":
            assert frame_ancestors(other.headers["Content-Security-Policy"]) == "'none'"
            assert other.headers["X-Frame-Options"] == "DENY"


async def test_unknown_order_is_a_404_page(start_app: AppFactory) -> None:
    client = await start_app(run_worker=False)
    unknown = ("/checkout?order_id=order_AAAAAAAAAAAAAAAA", "/checkout", "/checkout/nope")
    # Postgres text holds no NUL: such an id names nothing, in the query as in a path.
    for path in (*unknown, "/checkout?order_id=a%00b", "/checkout/a%00b"):
        page = await client.get(path)
        assert (page.status, page.content_type) == (404, "text/html"), path


async def test_page_shows_the_order_and_a_paid_order_its_success(start_app: AppFactory) -> None:
    client = await start_app(test_processing_delay_ms=50)
    order = await create_order(client, amount=50000)
    html = await (await client.get(f"/checkout?order_id={order['id']}")).text()
    assert '<p class="amount" data-test-id="order-amount">₹500.00</p>' in html
    assert f'<span data-test-id="order-id">{order["id"]}</span>' in html
    assert re.search(r'data-test-id="success-state"[^>]* hidden', html)

    paid = await successful_payment(client)
    html = await (await client.get(f"/checkout/{paid['order_id']}")).text()
    assert f'<span data-test-id="payment-id">{paid["id"]}</span>' in html
    assert not re.search(r'data-test-id="success-state"[^>]* hidden', html)
    assert 'id="pay-section" hidden' in html


async def test_sdk_and_assets_are_served_by_payserv(start_app: AppFactory) -> None:
    client = await start_app(run_worker=False)
    sdk = await client.get("/checkout.js")
    assert (sdk.status, sdk.content_type) == (200, "application/javascript")
    assert "PaymentGateway" in await sdk.text()
    for sheet in ("/static/checkout.css", "/static/payserv.css"):  # payserv.css: every page's
        css = await client.get(sheet)
        assert (css.status, css.content_type) == (200, "text/css"), sheet
    for missing in ("/static/nope.js", "/static/..%2Fopenapi.json", "/static/%2e%2e"):
        assert (await client.get(missing)).status == 404, missing


async def test_demo_only_where_the_test_merchant_is_seeded(start_app: AppFactory) -> None:
    client = await start_app(run_worker=False, test_mode=False)  # an external database
    assert (await client.get("/demo")).status == 404


async def test_demo_creates_an_order_of_the_test_merchant(start_app: AppFactory) -> None:
    client = await start_app(run_worker=False)
    html = await (await client.get("/demo")).text()
    match = re.search(r'data-order-id="(order_\w{16})"', html)
    assert match, html
    public = await (await client.get(f"/api/v1/orders/{match.group(1)}/public")).json()
    assert (public["amount"], public["merchant_name"]) == (50000, "test@example.com")
    assert 'src="/checkout.js"' in html
