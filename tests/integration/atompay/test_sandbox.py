"""The built-in AtomPay sandbox (DESIGN §8a), through HTTP: payserv's real client calls the
sandbox's AUTH and status routes over real HTTP, and its page sends a real signed callback."""

from __future__ import annotations

import asyncio
import re

import asyncpg

from payserv.context import HTTP, POOL, QUEUE, SETTINGS
from payserv.jobs.atompay import reconcile_payments
from payserv.queue import JobDeps
from tests.conftest import UserFactory
from tests.integration.atompay.conftest import (
    Client,
    EventFactory,
    Start,
    payment_body,
    start_payment,
)

BANNER = "SANDBOX — no real money"
_CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')
_CALLBACK_FIELD = re.compile(r'name="(encData|merchId)" value="([^"]*)"')
SANDBOX_URLS = ("/sandbox/atompay/auth", "/sandbox/atompay/status")


async def choose(client: Client, atom_token_id: str, outcome: str) -> dict[str, str]:
    """Press "Pay" or "Fail" on the sandbox page; returns the callback form it posts."""
    path = f"/sandbox/atompay/pay/{atom_token_id}"
    page = await client.get(path)
    html = await page.text()
    assert page.status == 200, html
    assert BANNER in html
    match = _CSRF.search(html)
    assert match, "no CSRF token on the sandbox page"
    reply = await client.post(path, data={"csrf_token": match.group(1), "outcome": outcome})
    html = await reply.text()
    assert reply.status == 200, html
    assert BANNER in html and 'action="/response"' in html
    return dict(_CALLBACK_FIELD.findall(html))


async def deliver(client: Client, callback: dict[str, str]) -> str:
    """Post the callback to /response as the browser does; returns the result page."""
    response = await client.post("/response", data=callback, allow_redirects=False)
    assert response.status == 303, await response.text()
    page = await client.get(response.headers["Location"])
    assert page.status == 200
    return await page.text()


async def _payment(client: Client, headers: dict[str, str], merch_txn_id: str) -> dict[str, str]:
    response = await client.get(f"/api/atompay/payments/{merch_txn_id}", headers=headers)
    assert response.status == 200
    return dict(await response.json())


async def test_pay_through_the_sandbox(
    start_sandbox: Start, make_user: UserFactory, make_event: EventFactory
) -> None:
    client = await start_sandbox()
    _, headers = await make_user()
    started = await start_payment(client, headers, await make_event(fee="150.00"))
    assert started["merchId"] == "SANDBOX" and started["atomTokenId"].isdigit()
    checkout = await client.get(f"/atompay/checkout/{started['merchTxnId']}")
    html = await checkout.text()
    assert BANNER in html and 'src="/sandbox/atompay/checkout.js" nonce="' in html
    script = await client.get("/sandbox/atompay/checkout.js")
    assert "window.AtomPaynetz" in await script.text()

    callback = await choose(client, started["atomTokenId"], "pay")
    assert callback["merchId"] == "SANDBOX"
    result = await deliver(client, callback)
    assert "Payment received" in result and BANNER in result

    payment = await _payment(client, headers, started["merchTxnId"])
    assert (payment["status"], payment["status_code"]) == ("success", "OTS0000")
    assert payment["atompay_transaction_id"] and payment["bank_transaction_id"]
    # The first choice stands, as at a bank: "Fail" afterwards still sends the paid callback.
    again = await choose(client, started["atomTokenId"], "fail")
    assert "Payment received" in await deliver(client, again)


async def test_concurrent_pay_and_fail_agree_on_one_outcome(
    start_sandbox: Start, make_user: UserFactory, make_event: EventFactory
) -> None:
    client = await start_sandbox()
    _, headers = await make_user()
    started = await start_payment(client, headers, await make_event())
    token = started["atomTokenId"]
    callbacks = await asyncio.gather(*(choose(client, token, o) for o in ("pay", "fail") * 4))
    # One choice was recorded first; every press sends that one's callback.
    assert len({callback["encData"] for callback in callbacks}) == 1
    pages = await asyncio.gather(*(deliver(client, callback) for callback in callbacks))
    paid = "Payment received" in pages[0]
    assert all(("Payment received" in page) == paid for page in pages)
    payment = await _payment(client, headers, started["merchTxnId"])
    assert payment["status"] == ("success" if paid else "failed")


async def test_fail_through_the_sandbox(
    start_sandbox: Start, make_user: UserFactory, make_event: EventFactory
) -> None:
    client = await start_sandbox()
    _, headers = await make_user()
    started = await start_payment(client, headers, await make_event())
    result = await deliver(client, await choose(client, started["atomTokenId"], "fail"))
    assert "Payment failed" in result
    payment = await _payment(client, headers, started["merchTxnId"])
    assert (payment["status"], payment["status_code"]) == ("failed", "OTS0600")


async def test_the_sandbox_page_needs_a_csrf_token_and_a_known_token(
    start_sandbox: Start, make_user: UserFactory, make_event: EventFactory
) -> None:
    client = await start_sandbox()
    _, headers = await make_user()
    started = await start_payment(client, headers, await make_event())
    path = f"/sandbox/atompay/pay/{started['atomTokenId']}"
    assert (await client.post(path, data={"outcome": "pay"})).status == 403
    assert (await client.get("/sandbox/atompay/pay/123")).status == 404


async def test_reconcile_settles_from_the_sandbox_status_api(
    start_sandbox: Start,
    make_user: UserFactory,
    make_event: EventFactory,
    db: asyncpg.Connection,
) -> None:
    client = await start_sandbox(atompay_reconcile_after=0)
    _, headers = await make_user()
    paid, failed, abandoned = [
        await start_payment(client, headers, await make_event()) for _ in range(3)
    ]
    # The customer chose, but the callback never reached /response (the browser closed).
    await choose(client, paid["atomTokenId"], "pay")
    await choose(client, failed["atomTokenId"], "fail")
    app = client.app
    await reconcile_payments(JobDeps(app[POOL], app[SETTINGS], app[QUEUE], app[HTTP]))

    settled = await _payment(client, headers, paid["merchTxnId"])
    assert settled["status"] == "success" and settled["atompay_transaction_id"]
    assert (await _payment(client, headers, failed["merchTxnId"]))["status"] == "failed"
    left = await _payment(client, headers, abandoned["merchTxnId"])
    assert (left["status"], left["last_error"]) == ("initiated", "AtomPay status OTS0002")
    issued = await db.fetchval("SELECT count(*) FROM atompay_sandbox_transactions")
    assert issued == 3


async def test_real_settings_win_over_the_sandbox(
    start_sandbox: Start, make_user: UserFactory, make_event: EventFactory
) -> None:
    client = await start_sandbox(atompay={"ATOMPAY_MERCH_ID": "317157"})
    for url in SANDBOX_URLS:
        assert (await client.post(url, data={"encData": "00"})).status == 404
    _, headers = await make_user()
    response = await client.post("/atompay", json=payment_body(await make_event()), headers=headers)
    assert response.status == 503
    assert "ATOMPAY_PASSWORD" in (await response.json())["error"]["description"]


async def test_no_sandbox_unless_asked(
    start_sandbox: Start, make_user: UserFactory, make_event: EventFactory
) -> None:
    client = await start_sandbox(sandbox=False)
    for url in SANDBOX_URLS:
        assert (await client.post(url, data={"encData": "00"})).status == 404
    assert (await client.get("/sandbox/atompay/checkout.js")).status == 404
    _, headers = await make_user()
    response = await client.post("/atompay", json=payment_body(await make_event()), headers=headers)
    assert response.status == 503
