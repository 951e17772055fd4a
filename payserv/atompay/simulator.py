"""AtomPay's side of the wire (DESIGN §8, §8a): what its AUTH and status APIs answer, and the
signed callbacks it sends, built from the published scheme with the same crypto payserv uses.

No HTTP here: the built-in sandbox (handlers/atompay_sandbox.py) and the test suite's
simulator (tests/fakes/atompay_server.py) wrap these functions in their own routes.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Protocol
from urllib.parse import urlencode

from payserv.atompay.crypto import (
    Amount,
    AtomPayCryptoError,
    callback_signature,
    decrypt_json,
    encrypt_json,
    format_amount,
    status_request_signature,
    verify_signature,
)
from payserv.errors import BadRequestError

AUTH_HEAD = {"version": "OTSv1.1", "api": "AUTH", "platform": "FLASH"}
SUCCESS_CODE = "OTS0000"
PENDING_CODE = "OTS0002"
FAILURE_CODE = "OTS0600"
DEFAULT_ATOM_TXN_ID = 11_000_000_000_001
DEFAULT_BANK_TXN_ID = "SIMBANK0000000001"


class Account(Protocol):
    """The merchant account the simulated gateway holds (AtomPayConfig is one)."""

    @property
    def merch_id(self) -> str: ...
    @property
    def password(self) -> str: ...
    @property
    def product(self) -> str: ...
    @property
    def req_enc_key(self) -> str: ...
    @property
    def res_enc_key(self) -> str: ...
    @property
    def req_hash_key(self) -> str: ...
    @property
    def res_hash_key(self) -> str: ...


class SimRequestError(BadRequestError):
    """A request the gateway refuses with HTTP 400 (no decryptable encData, wrong merchId)."""


def wire_merch_id(account: Account) -> int | str:
    """The real gateway answers with merchId as a JSON number; mimic it so clients cope."""
    return int(account.merch_id) if account.merch_id.isdigit() else account.merch_id


def wire_amount(amount: Amount) -> float:
    """AtomPay answers with JSON numbers (100.0); clients must not rely on trailing zeros."""
    return float(format_amount(amount))


def reply_body(account: Account, enc_data: str) -> str:
    """The form ``merchId=…&encData=…`` every answer of the gateway is."""
    return urlencode({"merchId": account.merch_id, "encData": enc_data})


def encrypted_reply(account: Account, payload: Mapping[str, Any]) -> str:
    """An answer carrying ``payload`` encrypted with the response key."""
    return reply_body(account, encrypt_json(payload, account.res_enc_key))


def read_request(account: Account, form: Mapping[str, Any]) -> dict[str, Any]:
    """The decrypted JSON of a request form ``encData=…&merchId=…``."""
    enc_data, merch_id = form.get("encData"), form.get("merchId")
    if not isinstance(enc_data, str) or merch_id != account.merch_id:
        raise SimRequestError("encData and the right merchId are required")
    try:
        return decrypt_json(enc_data, account.req_enc_key)
    except AtomPayCryptoError:
        raise SimRequestError("encData does not decrypt with the request key") from None


def section(parent: Any, name: str) -> dict[str, Any]:
    """A JSON object inside ``parent``; requests come from code under test, so a wrong
    shape must answer, not crash the gateway."""
    value = parent.get(name) if isinstance(parent, dict) else None
    return value if isinstance(value, dict) else {}


def _merchant_ok(merch: dict[str, Any], account: Account) -> bool:
    return str(merch.get("merchId")) == account.merch_id and merch.get("password") == (
        account.password
    )


def auth_problem(payload: dict[str, Any], account: Account) -> str | None:
    """Why an AUTH request is refused (AtomPay's txnDescription), or None."""
    instrument = section(payload, "payInstrument")
    merch, pay = section(instrument, "merchDetails"), section(instrument, "payDetails")
    if section(instrument, "headDetails") != AUTH_HEAD:
        return "VALIDATION FAILED"
    if not _merchant_ok(merch, account):
        return "INVALID MERCHANT INFORMATION"
    try:
        format_amount(pay.get("amount", ""))
    except ValueError:
        return "VALIDATION FAILED"
    if pay.get("txnCurrency") != "INR" or not merch.get("merchTxnId"):
        return "VALIDATION FAILED"
    return None


def auth_refusal(account: Account, problem: str) -> str:
    """An AUTH answer refusing the request with ``OTS0600``."""
    details = {"txnStatusCode": FAILURE_CODE, "txnMessage": "FAILED", "txnDescription": problem}
    return encrypted_reply(account, {"responseDetails": details})


def auth_success(account: Account, atom_token_id: int) -> str:
    """An AUTH answer issuing ``atom_token_id``."""
    details = {
        "txnStatusCode": SUCCESS_CODE,
        "txnMessage": "SUCCESS",
        "txnDescription": "ATOM TOKEN ID HAS BEEN GENERATED",
    }
    return encrypted_reply(account, {"atomTokenId": atom_token_id, "responseDetails": details})


def status_signature_ok(payload: dict[str, Any], account: Account) -> bool:
    """The status request is signed with the request hash key, by this merchant."""
    instrument = section(payload, "payInstrument")
    merch, pay = section(instrument, "merchDetails"), section(instrument, "payDetails")
    try:
        expected = status_request_signature(
            account.req_hash_key,
            merch_id=merch["merchId"],
            merch_txn_id=merch["merchTxnId"],
            amount=pay["amount"],
            txn_currency=pay["txnCurrency"],
        )
    except (KeyError, TypeError, ValueError):
        return False
    return verify_signature(expected, pay.get("signature", "")) and _merchant_ok(merch, account)


def status_reply(account: Account, payload: dict[str, Any], result: Mapping[str, Any]) -> str:
    """The status answer for a verified request; ``result`` holds ``statusCode`` (default
    pending), ``atomTxnId``, ``bankTxnId`` and ``amount`` (default the requested one)."""
    instrument = payload["payInstrument"]
    merch = instrument["merchDetails"]
    code = result.get("statusCode", PENDING_CODE)
    total = wire_amount(result.get("amount", instrument["payDetails"]["amount"]))
    message = {SUCCESS_CODE: "SUCCESS", PENDING_CODE: "PENDING"}.get(code, "FAILED")
    entry = {
        "merchDetails": {
            "merchId": wire_merch_id(account),
            "merchTxnId": merch["merchTxnId"],
            "merchTxnDate": merch.get("merchTxnDate", ""),
        },
        "payDetails": {
            "atomTxnId": result.get("atomTxnId", DEFAULT_ATOM_TXN_ID),
            "amount": total,
            "surchargeAmount": 0.0,
            "totalAmount": total,
            "txnCurrency": "INR",
        },
        "payModeSpecificData": {
            "subChannel": ["NB"],
            "bankDetails": {"bankTxnId": result.get("bankTxnId", DEFAULT_BANK_TXN_ID)},
        },
        "responseDetails": {"statusCode": code, "message": message, "description": message},
    }
    return encrypted_reply(account, {"payInstrument": [entry]})


def _callback_pay_details(
    account: Account, atom_txn_id: int | str, amount: Amount, signature: str
) -> dict[str, Any]:
    total = wire_amount(amount)
    return {
        "atomTxnId": atom_txn_id,
        "amount": total,
        "surchargeAmount": 0.0,
        "totalAmount": total,
        "prodDetails": [{"prodName": account.product, "prodAmount": total}],
        "txnCurrency": "INR",
        "signature": signature,
    }


def build_callback(
    account: Account,
    *,
    merch_txn_id: str,
    amount: Decimal | str | int | float,
    status_code: str = SUCCESS_CODE,
    atom_txn_id: int | str = DEFAULT_ATOM_TXN_ID,
    bank_txn_id: str = DEFAULT_BANK_TXN_ID,
    sub_channel: str = "NB",
    merch_txn_date: str = "2024-01-02 08:34:05",
    tamper_signature: bool = False,
) -> dict[str, str]:
    """Form fields AtomPay POSTs to ``/response``, signed with the response hash key."""
    signature = callback_signature(
        account.res_hash_key,
        merch_id=account.merch_id,
        atom_txn_id=atom_txn_id,
        merch_txn_id=merch_txn_id,
        total_amount=amount,
        status_code=status_code,
        sub_channel=sub_channel,
        bank_txn_id=bank_txn_id,
    )
    if tamper_signature:
        signature = signature[:-1] + ("0" if signature[-1] != "0" else "1")
    message = "SUCCESS" if status_code == SUCCESS_CODE else "FAILED"
    bank = {"bankTxnId": bank_txn_id, "otsBankId": 2001, "otsBankName": "Sim Bank"}
    instrument = {
        "merchDetails": {
            "merchId": wire_merch_id(account),
            "merchTxnId": merch_txn_id,
            "merchTxnDate": merch_txn_date,
        },
        "payDetails": _callback_pay_details(account, atom_txn_id, amount, signature),
        "payModeSpecificData": {"subChannel": [sub_channel], "bankDetails": bank},
        "responseDetails": {"statusCode": status_code, "message": message, "description": message},
    }
    enc_data = encrypt_json({"payInstrument": instrument}, account.res_enc_key)
    return {"encData": enc_data, "merchId": account.merch_id}
