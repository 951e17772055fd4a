"""Reading AtomPay callbacks: numbers or strings, optional parts, bad input → 400."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from payserv.atompay.callback import read_callback
from payserv.atompay.config import AtomPayConfig
from payserv.atompay.crypto import callback_signature, encrypt_json
from payserv.errors import BadRequestError, SignatureError

CONFIG = AtomPayConfig(
    merch_id="317157",
    password="pw",
    product="NSE",
    req_enc_key="REQKEY",
    res_enc_key="RESKEY",
    req_hash_key="REQHASH",
    res_hash_key="RESHASH",
    auth_url="http://x/auth",
    status_url="http://x/status",
    checkout_js_url="http://x/checkout.js",
    return_url=None,
)


def _callback(pay: dict[str, Any], mode: dict[str, Any] | None = None) -> str:
    instrument = {
        "merchDetails": {"merchId": 317157, "merchTxnId": "PS1"},
        "payDetails": pay,
        "payModeSpecificData": mode if mode is not None else {},
        "responseDetails": {"statusCode": "OTS0000"},
    }
    return encrypt_json({"payInstrument": instrument}, CONFIG.res_enc_key)


def _signature(total: str, sub_channel: str = "", bank: str = "") -> str:
    return callback_signature(
        CONFIG.res_hash_key,
        merch_id="317157",
        atom_txn_id=11,
        merch_txn_id="PS1",
        total_amount=total,
        status_code="OTS0000",
        sub_channel=sub_channel,
        bank_txn_id=bank,
    )


def test_string_amounts_surcharge_and_string_sub_channel() -> None:
    pay = {
        "atomTxnId": "11",
        "amount": "100.00",
        "surchargeAmount": "2.50",
        "totalAmount": "102.50",
        "signature": _signature("102.50", "UP", "B9"),
    }
    mode = {"subChannel": "UP", "bankDetails": {"bankTxnId": "B9"}}
    callback = read_callback(_callback(pay, mode), CONFIG)
    callback.verify(CONFIG)
    assert (callback.amount, callback.total_amount) == (Decimal("100.00"), Decimal("102.50"))
    assert callback.amount_matches(Decimal("100"))
    assert not callback.amount_matches(Decimal("102.50"))


def test_failure_callback_without_bank_details_still_verifies() -> None:
    pay = {"atomTxnId": 11, "amount": 5, "signature": _signature("5")}
    callback = read_callback(_callback(pay), CONFIG)
    callback.verify(CONFIG)
    assert (callback.bank_txn_id, callback.sub_channel) == ("", "")


def test_signature_of_another_merchant_key_is_refused() -> None:
    pay = {"atomTxnId": 11, "amount": "5.00", "signature": _signature("5.01")}
    with pytest.raises(SignatureError):
        read_callback(_callback(pay), CONFIG).verify(CONFIG)
    pay["signature"] = None
    with pytest.raises(SignatureError):
        read_callback(_callback(pay), CONFIG).verify(CONFIG)


@pytest.mark.parametrize(
    "pay",
    [
        {"amount": "abc"},
        {"amount": "1.001"},
        {"amount": "-1"},
        {"amount": True},
        {},
        {"totalAmount": "NaN"},
    ],
)
def test_unreadable_amounts_are_400(pay: dict[str, Any]) -> None:
    with pytest.raises(BadRequestError) as raised:
        read_callback(_callback(pay), CONFIG)
    assert raised.value.code == "BAD_REQUEST_ERROR"
