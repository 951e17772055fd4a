"""The AtomPay simulator speaks the wire format the application relies on."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from aiohttp import ClientTimeout, web
from aiohttp.test_utils import TestClient

from payserv.atompay.crypto import (
    AtomPayCryptoError,
    build_auth_request,
    build_status_request,
    callback_signature,
    decrypt_json,
    encode_form,
    encrypt_json,
    parse_form,
    verify_signature,
)
from tests.fakes.atompay_server import (
    AUTH_PATH,
    STATUS_PATH,
    AtomPaySimConfig,
    build_callback,
    make_atompay_app,
)

ClientFactory = Callable[[web.Application], Awaitable[TestClient[web.Request, web.Application]]]
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
WHEN = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)


def auth_request(config: AtomPaySimConfig, *, password: str | None = None) -> dict[str, Any]:
    return build_auth_request(
        merch_id=config.merch_id,
        password=config.password if password is None else password,
        merch_txn_id="TXN-0001",
        merch_txn_date=WHEN,
        amount=Decimal("100"),
        product=config.product,
        cust_email="a@example.com",
        cust_mobile="9999999999",
    )


async def post_auth(
    client: TestClient[web.Request, web.Application],
    config: AtomPaySimConfig,
    payload: dict[str, Any],
    **kwargs: Any,
) -> tuple[int, str]:
    body = encode_form(config.merch_id, encrypt_json(payload, config.req_enc_key))
    async with client.post(AUTH_PATH, data=body, headers=FORM, **kwargs) as response:
        return response.status, await response.text()


def decrypt_reply(config: AtomPaySimConfig, text: str) -> dict[str, Any]:
    form = parse_form(text)
    assert form["merchId"] == config.merch_id
    return decrypt_json(form["encData"], config.res_enc_key)


async def test_auth_returns_a_token(aiohttp_client: ClientFactory) -> None:
    config = AtomPaySimConfig()
    client = await aiohttp_client(make_atompay_app(config))
    status, text = await post_auth(client, config, auth_request(config))
    assert status == 200
    reply = decrypt_reply(config, text)
    assert isinstance(reply["atomTokenId"], int)
    assert reply["responseDetails"]["txnStatusCode"] == "OTS0000"
    assert config.auth_requests == [auth_request(config)]


async def test_auth_rejects_a_wrong_password(aiohttp_client: ClientFactory) -> None:
    config = AtomPaySimConfig()
    client = await aiohttp_client(make_atompay_app(config))
    _, text = await post_auth(client, config, auth_request(config, password="wrong"))
    reply = decrypt_reply(config, text)
    assert "atomTokenId" not in reply
    assert reply["responseDetails"]["txnStatusCode"] == "OTS0600"


async def test_auth_modes(aiohttp_client: ClientFactory) -> None:
    config = AtomPaySimConfig(auth_mode="error_code")
    client = await aiohttp_client(make_atompay_app(config))
    _, text = await post_auth(client, config, auth_request(config))
    assert decrypt_reply(config, text)["responseDetails"]["txnStatusCode"] == "OTS0600"

    config.auth_mode = "http_500"
    status, _ = await post_auth(client, config, auth_request(config))
    assert status == 500

    config.auth_mode = "garbage"
    status, text = await post_auth(client, config, auth_request(config))
    assert status == 200
    with pytest.raises(AtomPayCryptoError):
        decrypt_reply(config, text)
    assert len(config.auth_requests) == 3


async def test_auth_timeout_outlasts_the_client(aiohttp_client: ClientFactory) -> None:
    config = AtomPaySimConfig(auth_mode="timeout")
    client = await aiohttp_client(make_atompay_app(config))
    with pytest.raises(asyncio.TimeoutError):
        await post_auth(client, config, auth_request(config), timeout=ClientTimeout(total=0.2))


async def test_undecryptable_request_is_a_400(aiohttp_client: ClientFactory) -> None:
    config = AtomPaySimConfig()
    client = await aiohttp_client(make_atompay_app(config))
    body = encode_form(config.merch_id, encrypt_json({"x": 1}, config.res_enc_key))
    async with client.post(AUTH_PATH, data=body, headers=FORM) as response:
        assert response.status == 400
    assert config.auth_requests == []


async def post_status(
    client: TestClient[web.Request, web.Application], config: AtomPaySimConfig, hash_key: str
) -> tuple[int, str]:
    payload = build_status_request(
        merch_id=config.merch_id,
        password=config.password,
        merch_txn_id="TXN-0001",
        merch_txn_date=WHEN,
        amount=Decimal("100"),
        hash_key=hash_key,
    )
    body = encode_form(config.merch_id, encrypt_json(payload, config.req_enc_key))
    async with client.post(STATUS_PATH, data=body, headers=FORM) as response:
        return response.status, await response.text()


async def test_status_pending_then_settled(aiohttp_client: ClientFactory) -> None:
    config = AtomPaySimConfig()
    client = await aiohttp_client(make_atompay_app(config))
    _, text = await post_status(client, config, config.req_hash_key)
    [entry] = decrypt_reply(config, text)["payInstrument"]
    assert entry["responseDetails"]["statusCode"] == "OTS0002"

    config.status_results["TXN-0001"] = {"statusCode": "OTS0000", "bankTxnId": "B1"}
    _, text = await post_status(client, config, config.req_hash_key)
    [entry] = decrypt_reply(config, text)["payInstrument"]
    assert entry["responseDetails"]["statusCode"] == "OTS0000"
    assert entry["payDetails"]["totalAmount"] == Decimal("100.0")
    assert entry["payModeSpecificData"]["bankDetails"]["bankTxnId"] == "B1"
    assert len(config.status_requests) == 2


async def test_status_rejects_a_bad_signature(aiohttp_client: ClientFactory) -> None:
    config = AtomPaySimConfig()
    client = await aiohttp_client(make_atompay_app(config))
    status, _ = await post_status(client, config, "not-the-hash-key")
    assert status == 400


@pytest.mark.parametrize("tamper", [False, True])
def test_callback_is_signed_with_the_response_hash_key(tamper: bool) -> None:
    config = AtomPaySimConfig()
    form = build_callback(
        config, merch_txn_id="TXN-0001", amount=Decimal("100"), tamper_signature=tamper
    )
    assert form["merchId"] == config.merch_id
    instrument = decrypt_json(form["encData"], config.res_enc_key)["payInstrument"]
    pay, mode = instrument["payDetails"], instrument["payModeSpecificData"]
    expected = callback_signature(
        config.res_hash_key,
        merch_id=instrument["merchDetails"]["merchId"],
        atom_txn_id=pay["atomTxnId"],
        merch_txn_id=instrument["merchDetails"]["merchTxnId"],
        total_amount=pay["totalAmount"],
        status_code=instrument["responseDetails"]["statusCode"],
        sub_channel=mode["subChannel"][0],
        bank_txn_id=mode["bankDetails"]["bankTxnId"],
    )
    assert verify_signature(expected, pay["signature"]) is not tamper
