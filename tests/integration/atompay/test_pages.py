"""The checkout page (DESIGN §8) and the result page the callback redirects to."""

from __future__ import annotations

import html
import json
import re

from tests.conftest import UserFactory
from tests.fakes.atompay_server import build_callback
from tests.integration.atompay.conftest import (
    CHECKOUT_JS_URL,
    EventFactory,
    Sim,
    Start,
    start_payment,
)
from tests.integration.test_page_security import assert_page_headers, assert_scripts_carry_the_nonce


async def test_checkout_page_opens_atompay_with_the_token(
    start_atompay: Start, sim: Sim, make_user: UserFactory, make_event: EventFactory
) -> None:
    client = await start_atompay()
    _, headers = await make_user()
    started = await start_payment(client, headers, await make_event(fee="150.00"))
    response = await client.get(f"/atompay/checkout/{started['merchTxnId']}")
    assert response.status == 200
    assert response.content_type == "text/html"
    page = await response.text()
    assert f'<script src="{CHECKOUT_JS_URL}" nonce="' in page
    assert 'id="pay-button"' in page
    assert "INR 150.00" in page
    match = re.search(r"var options = (\{.*?\});", page)
    assert match is not None
    options = json.loads(html.unescape(match.group(1)))
    assert options == {
        "atomTokenId": started["atomTokenId"],
        "merchId": sim.config.merch_id,
        "custEmail": "asha@example.com",
        "custMobile": "9876543210",
        "returnUrl": started["returnUrl"],
    }
    assert 'var environment = "uat";' in page
    csp = assert_scripts_carry_the_nonce(response, page)
    atompay = "https://pgtest.atomtech.in"  # the origin of CHECKOUT_JS_URL
    assert csp["script-src"][1:] == [atompay]
    assert csp["connect-src"] == ["'self'", atompay] and csp["frame-src"] == ["'self'", atompay]
    for secret in (
        sim.config.password,
        sim.config.req_enc_key,
        sim.config.res_enc_key,
        sim.config.req_hash_key,
        sim.config.res_hash_key,
    ):
        assert secret not in page


async def test_checkout_page_only_for_a_payment_awaiting_checkout(
    start_atompay: Start, sim: Sim, make_user: UserFactory, make_event: EventFactory
) -> None:
    client = await start_atompay()
    _, headers = await make_user()
    unknown = await client.get("/atompay/checkout/PSNOSUCHPAYMENT")
    assert unknown.status == 404
    assert unknown.content_type == "text/html"
    assert "NOT_FOUND_ERROR" in await unknown.text()

    started = await start_payment(client, headers, await make_event())
    txn_id = started["merchTxnId"]
    form = build_callback(sim.config, merch_txn_id=txn_id, amount="150.00")
    assert (await client.post("/response", data=form, allow_redirects=False)).status == 303
    assert (await client.get(f"/atompay/checkout/{txn_id}")).status == 404

    sim.config.auth_mode = "error_code"
    failed = await client.post(
        "/atompay",
        json={
            "event_id": await make_event(),
            "event_type": "solo",
            "email": "a@b.co",
            "phone": "9876543210",
        },
        headers=headers,
    )
    assert failed.status == 502
    listed = await (await client.get("/api/atompay/payments", headers=headers)).json()
    failed_id = listed["data"][0]["merch_txn_id"]
    assert (await client.get(f"/atompay/checkout/{failed_id}")).status == 404


async def test_checkout_page_without_configuration_is_503(start_atompay: Start, sim: Sim) -> None:
    settings = sim.settings()
    del settings["ATOMPAY_CHECKOUT_JS_URL"]
    client = await start_atompay(atompay=settings)
    response = await client.get("/atompay/checkout/PSANY")
    assert response.status == 503
    assert "ATOMPAY_CHECKOUT_JS_URL" in await response.text()


async def test_result_page_shows_the_outcome(
    start_atompay: Start, sim: Sim, make_user: UserFactory, make_event: EventFactory
) -> None:
    client = await start_atompay()
    _, headers = await make_user()
    txn_id = (await start_payment(client, headers, await make_event()))["merchTxnId"]
    waiting = await client.get(f"/atompay/result/{txn_id}")
    assert waiting.status == 200
    assert "Payment in progress" in await waiting.text()
    assert_page_headers(waiting)
    assert "atomtech" not in waiting.headers["Content-Security-Policy"]
    form = build_callback(sim.config, merch_txn_id=txn_id, amount="150.00", status_code="OTS0101")
    response = await client.post("/response", data=form)  # follows the redirect
    assert response.status == 200
    assert "Payment failed" in await response.text()
    assert (await client.get("/atompay/result/PSNOSUCHPAYMENT")).status == 404
