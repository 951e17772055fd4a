"""Classes of hostile input on every documented operation: no 5xx, the right 4xx (DESIGN §2).

Built from the served OpenAPI document (and, for pages, the router), so a new route or field is
covered as soon as it is documented: header bytes that are not UTF-8 in every credential and
documented header, numbers with thousands of digits in every list's limit/offset and every path
id, and decimals with more places than documented in every decimal field.
"""

from __future__ import annotations

import json
from typing import Any

from payserv.atompay.config import REQUIRED_VARIABLES
from payserv.gateway.merchants import TEST_API_KEY, TEST_API_SECRET
from tests.conftest import AppFactory, UserFactory
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

VALID_INN = "7707083893"  # lets a list under /api/organizations/{inn}/ reach its limit
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
                page = await hostile.client.get(
                    path, headers=hostile.text_credentials(), allow_redirects=False
                )
                expected = 400 if name == "inn" else 404  # an INN is validated (DESIGN §5)
                # Dashboard pages send a visitor without a session to the login page first
                # (test_dashboard_http covers their hostile ids with a session).
                to_login = page.status == 303 and page.headers["Location"].startswith(
                    "/dashboard/login"
                )
                if page.status not in (expected, 405) and not to_login:  # 405: no GET here
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
