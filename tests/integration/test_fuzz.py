"""Schemathesis against a live ``python run.py serve``: no 5xx, every response as documented.

payserv runs as a subprocess (schemathesis' calls are blocking; they run in a thread) with
Stripe and AtomPay pointed at the test suite's fakes, which run on this test's event loop.
Before fuzzing, one object of each kind is created so that about half of the cases name
ids that exist. ``FUZZ_MAX_EXAMPLES`` sets the cases per operation and generation mode.
"""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from bench.common import payserv_server
from payserv.atompay_config import REQUIRED_VARIABLES
from payserv.database import connect
from payserv.gateway_merchants import TEST_API_KEY, TEST_API_SECRET
from payserv.users import create_user
from tests.conftest import TEST_SECRET_KEY, AppFactory, UserFactory
from tests.fakes.atompay_server import AUTH_PATH, STATUS_PATH, AtomPaySimConfig, make_atompay_app
from tests.helpers.fuzz import FuzzReport, fuzz
from tests.helpers.hostile import (
    BIGINT_OVERFLOW,
    HUGE_NUMBER,
    NOT_UTF8,
    HostileClient,
    Operation,
    RawResponse,
    decimal_fields,
    fill_path,
    operations,
    placeholders,
)
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


# ----- Classes of hostile input on every documented operation (DESIGN §2) -----
# Built from the served OpenAPI document, so a new route or field is covered as it is documented.
Failures = list[tuple[str, str, int, str]]
HOSTILE_SETTINGS: dict[str, Any] = {
    "bank_webhook_secret": "bank-secret",
    "stripe_webhook_secret": "whsec_hostile",
    "check_status_failure_rate": 0.0,  # the simulator's deliberate 5xx are not findings
    # Configured, so that AtomPay's pages reach their id; nothing listens on port 9.
    "atompay": {name: "http://127.0.0.1:9/" for name in REQUIRED_VARIABLES},
}
# Answers about a provider, not about the input.
PROVIDER_ERRORS = ("CONFIGURATION_ERROR", "UPSTREAM_ERROR")


async def _hostile_client(start_app: AppFactory, make_user: UserFactory) -> HostileClient:
    client = await start_app(run_worker=False, **HOSTILE_SETTINGS)
    _, user_headers = await make_user(superuser=True)
    document = await (await client.get("/api/openapi.json")).json()
    credentials = {
        "Authorization": user_headers["Authorization"].encode(),
        "X-Api-Key": TEST_API_KEY.encode(),
        "X-Api-Secret": TEST_API_SECRET.encode(),
        "Content-Type": b"application/json",
    }
    return HostileClient(client, document, credentials)


async def test_header_bytes_that_are_not_utf8_are_client_errors(
    start_app: AppFactory, make_user: UserFactory
) -> None:
    hostile = await _hostile_client(start_app, make_user)
    failures: Failures = []
    for operation in operations(hostile.document):
        cases: list[tuple[str, bytes, int]] = [("X-Request-Id", NOT_UTF8, 0)]
        if "userToken" in operation.schemes:
            cases += [("Authorization", b"Bearer " + NOT_UTF8, 401)]
            cases += [("Authorization", hostile.credentials["Authorization"] + NOT_UTF8, 401)]
        if "merchantKey" in operation.schemes:
            cases += [("X-Api-Key", b"key_" + NOT_UTF8, 401)]
            cases += [("X-Api-Secret", b"secret_" + NOT_UTF8, 401)]
        cases += [(name, NOT_UTF8, 400) for name in operation.names("header")]
        for header, value, expected in cases:
            response = await hostile.send(operation, {header: value})
            error = _error(response)
            if expected:
                # The named header is at fault, not some other part of a valid request.
                ok = response.status == expected and error.get("field") in (None, header)
            else:  # any answer but a server error
                ok = response.status < 500 or error.get("code") in PROVIDER_ERRORS
                ok = ok and response.headers["x-request-id"].isascii()
            if not ok:
                failures.append((operation.label, header, response.status, str(error)))
    assert not failures, "\n".join(map(str, failures))


async def test_numbers_with_thousands_of_digits_are_client_errors(
    start_app: AppFactory, make_user: UserFactory
) -> None:
    hostile = await _hostile_client(start_app, make_user)
    failures: Failures = []
    for operation in operations(hostile.document):
        failures += await _huge_pagination(hostile, operation)
        for name in operation.integer_path_ids():
            for number in (HUGE_NUMBER, BIGINT_OVERFLOW, "0"):
                response = await hostile.send(operation, path={name: number})
                if response.status != 404:
                    failures.append((operation.label, name, response.status, number[:20]))
    failures += await _huge_page_ids(hostile)
    assert not failures, "\n".join(map(str, failures))


async def _huge_pagination(hostile: HostileClient, operation: Operation) -> Failures:
    failures: Failures = []
    for name in set(operation.names("query")) & {"limit", "offset"}:
        for number in (HUGE_NUMBER, BIGINT_OVERFLOW):
            query = f"?{name}={number}"
            response = await hostile.send(operation, path={"inn": VALID_INN}, query=query)
            if response.status != 400 or _error(response).get("field") != name:
                failures.append((operation.label, name, response.status, number[:20]))
    return failures


async def _huge_page_ids(hostile: HostileClient) -> Failures:
    """Pages are not in the document: every path parameter of every GET route, from the router."""
    failures: Failures = []
    for resource in hostile.client.app.router.resources():
        template = resource.canonical
        for name in placeholders(template):
            for number in (HUGE_NUMBER, BIGINT_OVERFLOW):
                path = fill_path(template, {name: number}, "1")
                page = await hostile.client.get(path, headers=hostile.text_credentials())
                expected = 400 if name == "inn" else 404  # an INN is validated (DESIGN §5)
                if page.status not in (expected, 405):  # 405: no GET on this resource
                    failures.append((template, name, page.status, number[:20]))
    return failures


# A valid body for each documented decimal field, so that its places are all that is wrong.
DECIMAL_BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("POST /api/payments/", "amount"): {},
    ("POST /api/shop/items", "price"): {"name": "Mug", "currency": "USD"},
    ("PATCH /api/shop/items/{id}", "price"): {},
    ("POST /api/shop/discounts", "percent_off"): {"name": "Sale"},
    ("POST /api/shop/discounts", "amount_off"): {"name": "Sale", "currency": "USD"},
    ("POST /api/shop/taxes", "percentage"): {"name": "VAT", "inclusive": False},
    ("POST /api/events", "fee"): {"name": "Run", "kind": "solo"},
}


async def test_decimals_with_more_places_than_documented_are_refused_never_rounded(
    start_app: AppFactory, make_user: UserFactory
) -> None:
    hostile = await _hostile_client(start_app, make_user)
    item = await hostile.client.post(
        "/api/shop/items",
        json={"name": "Mug", "price": "1.00", "currency": "USD"},
        headers=hostile.text_credentials(),
    )
    item_path = {"id": str((await item.json())["id"])}
    fields = list(decimal_fields(hostile.document))
    assert {(op.label, name) for op, name, _ in fields} == set(DECIMAL_BODIES)
    failures: Failures = []
    for operation, name, places in fields:
        base = DECIMAL_BODIES[(operation.label, name)]
        exact = f"1.{'0' * (places - 1)}1"  # as many places as allowed: accepted
        # Trailing zeros are no places: accepted, though no numeric column has that scale.
        zeros = exact + "0" * 20_000
        # One place too many: would round to 0, and up to the next integer.
        too_many = [f"0.{'0' * places}1", f"9.{'9' * (places + 1)}"]
        for value, expected in [(exact, 200), (zeros, 200), *((v, 400) for v in too_many)]:
            for sent in (value, float(value)):
                body = json.dumps({**base, name: sent}).encode()
                response = await hostile.send(operation, path=item_path, body=body)
                error = _error(response)
                ok = response.status < 300 if expected == 200 else error.get("field") == name
                if not ok:
                    shown = f"{str(sent)[:20]} {error}"
                    failures.append((operation.label, name, response.status, shown))
    assert not failures, "\n".join(map(str, failures))


def _error(response: RawResponse) -> dict[str, Any]:
    if not response.headers.get("content-type", "").startswith("application/json"):
        return {}
    body = response.json()
    return body.get("error", {}) if isinstance(body, dict) else {}
