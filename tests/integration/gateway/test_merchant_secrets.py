"""The merchant's own secrets and test webhook in the API (DESIGN §4b)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re

from payserv.gateway.merchants import TEST_MERCHANT_ID, TEST_WEBHOOK_SECRET
from tests.conftest import AppFactory
from tests.helpers.webhook_receiver import Received, Receiver
from tests.integration.gateway.conftest import MERCHANT, Client, create_order

WHSEC = re.compile(r"whsec_[A-Za-z0-9+/]{43}=")


def verifies(call: Received, secret: str) -> bool:
    """Both signature schemes of one delivery, checked as a receiver would, with ``secret``."""
    expected_hex = hmac.new(secret.encode(), call.body, hashlib.sha256).hexdigest()
    key = base64.b64decode(secret.removeprefix("whsec_")) if WHSEC.fullmatch(secret) else None
    signed = f"{call.headers['webhook-id']}.{call.headers['webhook-timestamp']}.".encode()
    digest = hmac.new(key or secret.encode(), signed + call.body, hashlib.sha256).digest()
    standard = "v1," + base64.b64encode(digest).decode()
    hex_ok = hmac.compare_digest(call.headers["X-Webhook-Signature"], expected_hex)
    standard_ok = hmac.compare_digest(call.headers["webhook-signature"], standard)
    assert hex_ok == standard_ok, "the two schemes disagree"
    return hex_ok


async def point_webhooks_at(client: Client, url: str) -> None:
    response = await client.patch("/api/v1/merchant", json={"webhook_url": url}, headers=MERCHANT)
    assert response.status == 200


async def test_rolled_api_secret_replaces_the_old_one_at_once(start_app: AppFactory) -> None:
    client = await start_app(run_worker=False)
    response = await client.post("/api/v1/merchant/api-secret", headers=MERCHANT)
    assert response.status == 200
    new_secret = (await response.json())["api_secret"]
    assert new_secret.startswith("secret_") and new_secret != MERCHANT["X-Api-Secret"]
    old = await client.get("/api/v1/merchant", headers=MERCHANT)
    assert old.status == 401
    new_headers = {**MERCHANT, "X-Api-Secret": new_secret}
    assert (await client.get("/api/v1/merchant", headers=new_headers)).status == 200
    # Also where one statement authenticates and inserts (an order without Idempotency-Key).
    order = {"amount": 500}
    assert (await client.post("/api/v1/orders", json=order, headers=MERCHANT)).status == 401
    assert (await client.post("/api/v1/orders", json=order, headers=new_headers)).status == 201
    # The roll itself needs valid credentials.
    assert (await client.post("/api/v1/merchant/api-secret", headers=MERCHANT)).status == 401


async def test_new_webhook_secret_signs_the_next_delivery(
    start_app: AppFactory, receiver: Receiver
) -> None:
    client = await start_app(run_worker=True)
    await point_webhooks_at(client, receiver.url)
    response = await client.post("/api/v1/merchant/webhook-secret", headers=MERCHANT)
    assert response.status == 200
    secret = (await response.json())["webhook_secret"]
    assert WHSEC.fullmatch(secret) and len(base64.b64decode(secret[6:])) == 32
    await create_order(client)  # no event; a payment's events follow
    assert (await client.post("/api/v1/merchant/webhook-test", headers=MERCHANT)).status == 202
    [call] = await receiver.wait_calls(1)
    assert verifies(call, secret)
    assert not verifies(call, TEST_WEBHOOK_SECRET)


async def test_test_webhook_goes_through_the_logged_signed_path(
    start_app: AppFactory, receiver: Receiver
) -> None:
    client = await start_app(run_worker=True)
    await point_webhooks_at(client, receiver.url)
    response = await client.post("/api/v1/merchant/webhook-test", headers=MERCHANT)
    assert response.status == 202
    [call] = await receiver.wait_calls(1)
    body = json.loads(call.body)
    assert body["event"] == "webhook.test"
    assert body["data"] == {"merchant_id": str(TEST_MERCHANT_ID)}
    assert isinstance(body["timestamp"], int)
    assert verifies(call, TEST_WEBHOOK_SECRET)
    log = await (await client.get("/api/v1/webhooks", headers=MERCHANT)).json()
    [entry] = log["data"]
    assert entry["event"] == "webhook.test" and entry["id"] == call.headers["webhook-id"]


async def test_test_webhook_needs_a_url_and_credentials(start_app: AppFactory) -> None:
    client = await start_app(run_worker=False)
    response = await client.post("/api/v1/merchant/webhook-test", headers=MERCHANT)
    assert response.status == 400
    assert (await response.json())["error"]["field"] == "webhook_url"
    for path in ("webhook-test", "webhook-secret", "api-secret"):
        anonymous = await client.post(f"/api/v1/merchant/{path}")
        assert anonymous.status == 401
        wrong = await client.post(
            f"/api/v1/merchant/{path}", headers={**MERCHANT, "X-Api-Secret": "nope"}
        )
        assert wrong.status == 401
