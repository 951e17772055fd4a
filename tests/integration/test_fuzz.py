"""Schemathesis against a live ``python run.py serve``: no 5xx, every response as documented.

payserv runs as a subprocess (schemathesis' calls are blocking; they run in a thread) with
Stripe and AtomPay pointed at the test suite's fakes, which run on this test's event loop.
Before fuzzing, one object of each kind is created so that about half of the cases name
ids that exist. ``FUZZ_MAX_EXAMPLES`` sets the cases per operation and generation mode.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from bench.common import payserv_server
from payserv.database import connect
from payserv.gateway.merchants import TEST_API_KEY, TEST_API_SECRET
from payserv.users import create_user
from tests.conftest import TEST_SECRET_KEY, AppFactory, UserFactory
from tests.fakes.atompay_server import AUTH_PATH, STATUS_PATH, AtomPaySimConfig, make_atompay_app
from tests.helpers.fuzz import FuzzReport, fuzz
from tests.integration.shop.stripe_stub import StripeStub, stub_app

MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "50"))
FUZZ_USER, FUZZ_PASSWORD = "fuzzer", "fuzzer-password-0000"
VALID_INN = "7707083893"
ServerFactory = Callable[..., Awaitable[TestServer]]
# Path template (or operation) -> values naming objects that exist.
Known = dict[str, dict[str, Any]]

pytestmark = pytest.mark.timeout(300)


async def test_fuzz_every_documented_operation(
    dsn: str, aiohttp_server: ServerFactory, record_property: Callable[[str, object], None]
) -> None:
    stripe = await aiohttp_server(stub_app(StripeStub()))
    atompay = AtomPaySimConfig()
    atompay_server = await aiohttp_server(make_atompay_app(atompay))
    conn = await connect(dsn)
    try:
        await create_user(conn, FUZZ_USER, FUZZ_PASSWORD, superuser=True)
    finally:
        await conn.close()
    env = {
        "SECRET_KEY": TEST_SECRET_KEY,  # the key the template database's secrets are sealed with
        "TEST_MODE": "true",
        "TEST_PROCESSING_DELAY": "0",
        "TEST_PAYMENT_SUCCESS": "true",
        "CHECK_STATUS_FAILURE_RATE": "0",  # the flaky simulator's 5xx are on purpose
        "STRIPE_SECRET_KEY": "sk_test_fuzz",
        "STRIPE_PUBLISHABLE_KEY": "pk_test_fuzz",
        "STRIPE_API_BASE": str(stripe.make_url("")).rstrip("/"),
        "STRIPE_WEBHOOK_SECRET": "whsec_fuzz",
        **_atompay_env(atompay, atompay_server),
    }
    async with payserv_server(dsn, **env) as base_url:
        headers, paths, bodies = await _arrange(base_url, str(stripe.make_url("/webhook-sink")))
        report = await asyncio.to_thread(
            fuzz,
            f"{base_url}/api/openapi.json",
            base_url,
            headers,
            paths,
            bodies,
            max_examples=MAX_EXAMPLES,
        )
    record_property("fuzz_cases", report.total)
    record_property("fuzz_seconds", round(report.seconds, 1))
    print(report.summary())
    if os.environ.get("FUZZ_VERBOSE"):
        for (label, status), count in sorted(report.outcomes.items()):
            print(f"  {label}: {status} x {count}")
    assert report.total > 0
    assert not report.findings, _describe(report)


def _atompay_env(config: AtomPaySimConfig, server: TestServer) -> dict[str, str]:
    return {
        "ATOMPAY_MERCH_ID": config.merch_id,
        "ATOMPAY_PASSWORD": config.password,
        "ATOMPAY_PRODUCT": config.product,
        "ATOMPAY_REQ_ENC_KEY": config.req_enc_key,
        "ATOMPAY_RES_ENC_KEY": config.res_enc_key,
        "ATOMPAY_REQ_HASH_KEY": config.req_hash_key,
        "ATOMPAY_RES_HASH_KEY": config.res_hash_key,
        "ATOMPAY_AUTH_URL": str(server.make_url(AUTH_PATH)),
        "ATOMPAY_STATUS_URL": str(server.make_url(STATUS_PATH)),
        "ATOMPAY_CHECKOUT_JS_URL": "https://pgtest.atomtech.in/staticdata/ots/js/atomcheckout.js",
    }


async def _arrange(base_url: str, webhook_sink: str) -> tuple[dict[str, str], Known, Known]:
    """Credentials for every scheme; path parameters and body fields naming existing objects."""
    async with aiohttp.ClientSession(base_url) as http:
        token = (
            await _call(
                http,
                "POST",
                "/users/token/",
                None,
                {"username": FUZZ_USER, "password": FUZZ_PASSWORD},
            )
        )["token"]
        headers = {
            "Authorization": f"Bearer {token}",
            "X-Api-Key": TEST_API_KEY,
            "X-Api-Secret": TEST_API_SECRET,
        }
        gateway = await _arrange_gateway(http, headers, webhook_sink)
        others, event_id = await _arrange_others(http, headers)
    paths = {**gateway, **others}
    item_id = paths["/api/shop/items/{id}"]["id"]
    bodies = {
        "POST /api/v1/payments": {"order_id": paths["/api/v1/orders/{order_id}"]["order_id"]},
        "POST /api/shop/orders": {"items": [{"item_id": item_id, "quantity": 1}]},
        "POST /atompay": {"event_id": event_id},
    }
    return headers, paths, bodies


async def _arrange_gateway(
    http: aiohttp.ClientSession, headers: dict[str, str], webhook_sink: str
) -> Known:
    await _call(http, "PATCH", "/api/v1/merchant", headers, {"webhook_url": webhook_sink})
    order = await _call(http, "POST", "/api/v1/orders", headers, {"amount": 50000})
    payment = await _call(
        http,
        "POST",
        "/api/v1/payments",
        headers,
        {"order_id": order["id"], "method": "upi", "vpa": "success@razorpay"},
    )
    await _until(http, f"/api/v1/payments/{payment['id']}", headers, "status", "success")
    refund = await _call(
        http, "POST", f"/api/v1/payments/{payment['id']}/refunds", headers, {"amount": 100}
    )
    webhooks = await _call(http, "GET", "/api/v1/webhooks", headers)
    payment_ids = {"payment_id": payment["id"]}
    return {
        "/api/v1/orders/{order_id}": {"order_id": order["id"]},
        "/api/v1/payments/{payment_id}": payment_ids,
        "/api/v1/payments/{payment_id}/capture": payment_ids,
        "/api/v1/payments/{payment_id}/refunds": payment_ids,
        "/api/v1/refunds/{refund_id}": {"refund_id": refund["id"]},
        "/api/v1/webhooks/{webhook_id}/retry": {"webhook_id": webhooks["data"][0]["id"]},
    }


async def _arrange_others(
    http: aiohttp.ClientSession, headers: dict[str, str]
) -> tuple[Known, int]:
    operation = {
        "operation_id": str(uuid.uuid4()),
        "amount": 1500,
        "payer_inn": VALID_INN,
        "document_number": "PP-1",
        "document_date": "2024-01-15T10:30:00Z",
    }
    await _call(http, "POST", "/api/webhook/bank/", None, operation)
    user_payment = await _call(http, "POST", "/api/payments/", headers, {"amount": "12.50"})
    item = await _call(
        http,
        "POST",
        "/api/shop/items",
        headers,
        {"name": "Mug", "price": "9.50", "currency": "USD"},
    )
    order = await _call(
        http,
        "POST",
        "/api/shop/orders",
        headers,
        {"items": [{"item_id": item["id"], "quantity": 2}]},
    )
    event = await _call(
        http, "POST", "/api/events", headers, {"name": "Solo run", "fee": "499.00", "kind": "solo"}
    )
    started = await _call(
        http,
        "POST",
        "/atompay",
        headers,
        {
            "event_id": event["id"],
            "event_type": "solo",
            "email": "a@example.com",
            "phone": "9876543210",
        },
    )
    inn = {"inn": VALID_INN}
    paths = {
        "/api/organizations/{inn}/balance/": inn,
        "/api/organizations/{inn}/balance-log/": inn,
        "/api/payments/{id}": {"id": user_payment["object"]["id"]},
        "/api/shop/items/{id}": {"id": item["id"]},
        "/api/shop/orders/{id}": {"id": order["id"]},
        "/buy/{id}": {"id": item["id"]},
        "/buy/order/{id}": {"id": order["id"]},
        "/payment-intent/item/{id}": {"id": item["id"]},
        "/payment-intent/order/{id}": {"id": order["id"]},
        "/api/atompay/payments/{merch_txn_id}": {"merch_txn_id": started["merchTxnId"]},
    }
    return paths, event["id"]


async def _call(
    http: aiohttp.ClientSession,
    method: str,
    path: str,
    headers: dict[str, str] | None,
    body: dict[str, Any] | None = None,
) -> Any:
    async with http.request(method, path, headers=headers, json=body) as resp:
        payload = await resp.json()
        assert resp.status < 300, (method, path, resp.status, payload)
        return payload


async def _until(
    http: aiohttp.ClientSession, path: str, headers: dict[str, str], key: str, value: str
) -> None:
    async with asyncio.timeout(30):
        while (await _call(http, "GET", path, headers))[key] != value:
            await asyncio.sleep(0.1)


def _describe(report: FuzzReport) -> str:
    lines = [report.summary()]
    for finding in report.findings.values():
        lines += [
            f"--- {finding.operation} -> {finding.status}",
            finding.problem,
            finding.reproduce,
        ]
    return "\n".join(lines)


# Inputs that once reached the database or int() unchecked and answered 500.
DEEP = b"[" * 100_000
NUL_ORDER = b'{"amount": 10000, "receipt": "a\\u0000b"}'
LONE_SURROGATE = b'{"amount": 10000, "notes": {"\\ud800": 1}}'
HOSTILE = [
    ("GET", "/api/shop/items?limit=%C2%B2", None, 400),
    ("GET", "/api/v1/orders?offset=%C2%B2", None, 400),
    ("GET", "/api/shop/items/%C2%B2", None, 404),
    ("GET", "/api/v1/orders/a%00b", None, 404),
    ("GET", "/api/atompay/payments/a%00b", None, 404),
    ("POST", "/api/v1/orders", DEEP, 400),
    ("POST", "/api/webhook/bank/", DEEP, 400),
    ("POST", "/api/v1/orders", NUL_ORDER, 400),
    ("POST", "/api/v1/orders", LONE_SURROGATE, 400),
    ("POST", "/users/token/", b'{"username": "\\u0000", "password": "x"}', 400),
    (
        "POST",
        "/api/webhook/bank/",
        b'{"operation_id": "2f1e6c1a-8b0e-4f4e-9d55-0c2b8e7d6a11", "amount": 5, '
        b'"payer_inn": "7707083893", "document_number": "x", '
        b'"document_date": "0001-01-01T00:00:00+14:00"}',
        400,
    ),
]


@pytest.mark.parametrize(("method", "path", "body", "status"), HOSTILE)
async def test_hostile_input_is_a_client_error(
    start_app: AppFactory,
    make_user: UserFactory,
    method: str,
    path: str,
    body: bytes | None,
    status: int,
) -> None:
    client = await start_app(run_worker=False)
    _, user_headers = await make_user(superuser=True)
    headers = {
        **user_headers,
        "X-Api-Key": TEST_API_KEY,
        "X-Api-Secret": TEST_API_SECRET,
        "Content-Type": "application/json",
    }
    resp = await client.request(method, path, data=body, headers=headers)
    payload = await resp.json()
    assert resp.status == status, payload
    assert payload["error"]["code"] in ("BAD_REQUEST_ERROR", "NOT_FOUND_ERROR")


# ----- webhook_url (DESIGN §2): every spelling of a private address is refused -----

PRIVATE_V4 = ["127.0.0.1", "10.0.0.1", "172.16.5.4", "192.168.1.1", "169.254.169.254", "0.0.0.0"]
PRIVATE_V6 = ["::1", "::", "fd00::1", "fc00::abcd", "fe80::1", "ff02::1", "64:ff9b::a00:1"]


def _v4_spellings(address: str) -> list[str]:
    """``address`` as inet_aton() and browsers read it: whole numbers, hex, octal, shorthand."""
    a, b, c, d = (int(part) for part in address.split("."))
    whole = (a << 24) | (b << 16) | (c << 8) | d
    return [
        address,
        str(whole),
        hex(whole),
        "0" + oct(whole)[2:],
        ".".join(hex(x) for x in (a, b, c, d)),
        ".".join("0" + oct(x)[2:] for x in (a, b, c, d)),
        f"{a}.{(b << 16) | (c << 8) | d}",
        f"{a}.{b}.{(c << 8) | d}",
        f"{hex(a)}.{b}.{c}.{d}",
        f"[::ffff:{address}]",
        f"[::ffff:{(a << 8) | b:x}:{(c << 8) | d:x}]",
        f"[2002:{(a << 8) | b:x}:{(c << 8) | d:x}::1]",
    ]


def _private_webhook_urls() -> list[str]:
    hosts = [s for address in PRIVATE_V4 for s in _v4_spellings(address)]
    hosts += [f"[{address}]" for address in PRIVATE_V6]
    hosts += ["localhost", "LOCALHOST", "[0:0:0:0:0:0:0:1]", "[::ffff:7f00:1]"]
    urls = []
    for host in hosts:
        urls += [f"http://{host}/", f"https://{host}:5432/x", f"http://user@{host}:8080/?q=1"]
    return urls


MALFORMED_HOSTS = [
    "exa mple.com",
    "exa\tmple.com",
    "exa\nmple.com",
    "a..b.com",
    "-a.com",
    "a_b.com",
    "ex%41mple.com",
]


async def test_fuzz_webhook_url_private_address_spellings_are_refused(
    start_app: AppFactory,
) -> None:
    import socket

    from yarl import URL

    from payserv.gateway.delivery import GuardedResolver
    from payserv.gateway.outbound import RefusedAddressError, connect_refusal

    client = await start_app(run_worker=False, test_mode=False)
    headers = {"X-Api-Key": TEST_API_KEY, "X-Api-Secret": TEST_API_SECRET}
    accepted = []
    for url in _private_webhook_urls() + [f"http://{h}/" for h in MALFORMED_HOSTS]:
        resp = await client.patch("/api/v1/merchant", json={"webhook_url": url}, headers=headers)
        body = await resp.json()
        if resp.status != 400 or body["error"]["field"] != "webhook_url":
            accepted.append((url, resp.status))
            continue
        # A URL stored before the policy is refused again where the delivery connects (or
        # its name resolves nowhere: "exa<TAB>mple.com" is read as example.com).
        parsed = URL(url)
        if connect_refusal(parsed) is None:
            with pytest.raises((RefusedAddressError, socket.gaierror)):
                await GuardedResolver().resolve(parsed.raw_host or "", parsed.port or 80)
    assert accepted == []
