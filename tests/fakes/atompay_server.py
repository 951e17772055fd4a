"""An AtomPay simulator: the AUTH and status APIs as an aiohttp app, plus signed callbacks.

It speaks the real wire format (AES-encrypted JSON in ``encData`` forms, HMAC-SHA512
signatures), so the application's crypto is exercised for real. Tests steer it through the
mutable :class:`AtomPaySimConfig` and read back what it received.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal
from urllib.parse import urlencode

from aiohttp import web

from payserv.atompay.crypto import (
    AtomPayCryptoError,
    callback_signature,
    decrypt_json,
    encrypt_json,
    format_amount,
    status_request_signature,
    verify_signature,
)

AuthMode = Literal["ok", "error_code", "http_500", "timeout", "garbage"]
StatusMode = Literal["ok", "http_500", "timeout", "garbage"]

AUTH_PATH = "/ots/aipay/auth"
STATUS_PATH = "/ots/payment/status"
GARBAGE_ENC_DATA = "THIS-IS-NOT-HEX"
_AUTH_HEAD = {"version": "OTSv1.1", "api": "AUTH", "platform": "FLASH"}


@dataclass
class AtomPaySimConfig:
    """Credentials the simulator expects, behaviour knobs, and the requests it received."""

    merch_id: str = "900001"
    password: str = "sim-password"
    req_enc_key: str = "SIMREQENCKEY0123456789ABCDEF0001"
    res_enc_key: str = "SIMRESENCKEY0123456789ABCDEF0002"
    req_hash_key: str = "SIM-REQ-HASH-KEY"
    res_hash_key: str = "SIM-RES-HASH-KEY"
    product: str = "NSE"
    auth_mode: AuthMode = "ok"
    status_mode: StatusMode = "ok"
    # Longer than any client timeout the app should use; shutdown cuts it short.
    stall_seconds: float = 10.0
    # merchTxnId -> {"statusCode", "atomTxnId", "bankTxnId", "amount"}; absent = OTS0002 pending.
    status_results: dict[str, dict[str, Any]] = field(default_factory=dict)
    auth_requests: list[dict[str, Any]] = field(default_factory=list)
    status_requests: list[dict[str, Any]] = field(default_factory=list)
    next_atom_token_id: int = 15_000_000_000_001


CONFIG_KEY = web.AppKey("atompay_sim_config", AtomPaySimConfig)
_SHUTDOWN_KEY = web.AppKey("atompay_sim_shutdown", asyncio.Event)


def _wire_merch_id(config: AtomPaySimConfig) -> int | str:
    # The real gateway answers with merchId as a JSON number; mimic it so clients cope.
    return int(config.merch_id) if config.merch_id.isdigit() else config.merch_id


def _wire_amount(amount: Any) -> float:
    # AtomPay answers with JSON numbers (100.0); clients must not rely on trailing zeros.
    return float(format_amount(amount))


def _reply(config: AtomPaySimConfig, enc_data: str) -> web.Response:
    body = urlencode({"merchId": config.merch_id, "encData": enc_data})
    return web.Response(text=body, content_type="text/plain")


def _encrypted_reply(config: AtomPaySimConfig, payload: dict[str, Any]) -> web.Response:
    return _reply(config, encrypt_json(payload, config.res_enc_key))


async def _read_request(request: web.Request, config: AtomPaySimConfig) -> dict[str, Any]:
    form = await request.post()
    enc_data, merch_id = form.get("encData"), form.get("merchId")
    if not isinstance(enc_data, str) or merch_id != config.merch_id:
        raise web.HTTPBadRequest(text="encData and the right merchId are required")
    try:
        return decrypt_json(enc_data, config.req_enc_key)
    except AtomPayCryptoError:
        raise web.HTTPBadRequest(text="encData does not decrypt with the request key") from None


async def _stall(app: web.Application, config: AtomPaySimConfig) -> None:
    # Wake on app shutdown so a test's teardown does not wait out the whole stall.
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(app[_SHUTDOWN_KEY].wait(), config.stall_seconds)


def _section(parent: Any, name: str) -> dict[str, Any]:
    # Requests come from the code under test: a wrong shape must answer, not crash the fake.
    value = parent.get(name) if isinstance(parent, dict) else None
    return value if isinstance(value, dict) else {}


def _merchant_ok(merch: dict[str, Any], config: AtomPaySimConfig) -> bool:
    return str(merch.get("merchId")) == config.merch_id and merch.get("password") == config.password


def _auth_problem(payload: dict[str, Any], config: AtomPaySimConfig) -> str | None:
    instrument = _section(payload, "payInstrument")
    merch, pay = _section(instrument, "merchDetails"), _section(instrument, "payDetails")
    if _section(instrument, "headDetails") != _AUTH_HEAD:
        return "VALIDATION FAILED"
    if not _merchant_ok(merch, config):
        return "INVALID MERCHANT INFORMATION"
    try:
        format_amount(pay.get("amount", ""))
    except ValueError:
        return "VALIDATION FAILED"
    if pay.get("txnCurrency") != "INR" or not merch.get("merchTxnId"):
        return "VALIDATION FAILED"
    return None


async def _auth(request: web.Request) -> web.Response:
    config = request.app[CONFIG_KEY]
    payload = await _read_request(request, config)
    config.auth_requests.append(payload)
    if config.auth_mode == "http_500":
        raise web.HTTPInternalServerError(text="simulated AtomPay outage")
    if config.auth_mode == "timeout":
        await _stall(request.app, config)
    if config.auth_mode == "garbage":
        return _reply(config, GARBAGE_ENC_DATA)
    problem = "AUTH SERVICE FAILED" if config.auth_mode == "error_code" else None
    problem = problem or _auth_problem(payload, config)
    if problem is not None:
        details = {"txnStatusCode": "OTS0600", "txnMessage": "FAILED", "txnDescription": problem}
        return _encrypted_reply(config, {"responseDetails": details})
    token_id = config.next_atom_token_id
    config.next_atom_token_id += 1
    details = {
        "txnStatusCode": "OTS0000",
        "txnMessage": "SUCCESS",
        "txnDescription": "ATOM TOKEN ID HAS BEEN GENERATED",
    }
    return _encrypted_reply(config, {"atomTokenId": token_id, "responseDetails": details})


def _status_signature_ok(payload: dict[str, Any], config: AtomPaySimConfig) -> bool:
    instrument = _section(payload, "payInstrument")
    merch, pay = _section(instrument, "merchDetails"), _section(instrument, "payDetails")
    try:
        expected = status_request_signature(
            config.req_hash_key,
            merch_id=merch["merchId"],
            merch_txn_id=merch["merchTxnId"],
            amount=pay["amount"],
            txn_currency=pay["txnCurrency"],
        )
    except (KeyError, TypeError, ValueError):
        return False
    return verify_signature(expected, pay.get("signature", "")) and _merchant_ok(merch, config)


def _status_entry(config: AtomPaySimConfig, merch: dict[str, Any], amount: Any) -> dict[str, Any]:
    result = config.status_results.get(merch["merchTxnId"], {})
    code = result.get("statusCode", "OTS0002")
    total = _wire_amount(result.get("amount", amount))
    message = {"OTS0000": "SUCCESS", "OTS0002": "PENDING"}.get(code, "FAILED")
    return {
        "merchDetails": {
            "merchId": _wire_merch_id(config),
            "merchTxnId": merch["merchTxnId"],
            "merchTxnDate": merch.get("merchTxnDate", ""),
        },
        "payDetails": {
            "atomTxnId": result.get("atomTxnId", 11_000_000_000_001),
            "amount": total,
            "surchargeAmount": 0.0,
            "totalAmount": total,
            "txnCurrency": "INR",
        },
        "payModeSpecificData": {
            "subChannel": ["NB"],
            "bankDetails": {"bankTxnId": result.get("bankTxnId", "SIMBANK0000000001")},
        },
        "responseDetails": {"statusCode": code, "message": message, "description": message},
    }


async def _status(request: web.Request) -> web.Response:
    config = request.app[CONFIG_KEY]
    payload = await _read_request(request, config)
    config.status_requests.append(payload)
    if config.status_mode == "http_500":
        raise web.HTTPInternalServerError(text="simulated AtomPay outage")
    if config.status_mode == "timeout":
        await _stall(request.app, config)
    if config.status_mode == "garbage":
        return _reply(config, GARBAGE_ENC_DATA)
    # A bad signature is an HTTP error, not a status code, so no client can settle on it.
    if not _status_signature_ok(payload, config):
        raise web.HTTPBadRequest(text="status request signature does not verify")
    instrument = payload["payInstrument"]
    entry = _status_entry(config, instrument["merchDetails"], instrument["payDetails"]["amount"])
    return _encrypted_reply(config, {"payInstrument": [entry]})


async def _release_stalls(app: web.Application) -> None:
    app[_SHUTDOWN_KEY].set()


def make_atompay_app(config: AtomPaySimConfig) -> web.Application:
    """The simulator: ``POST /ots/aipay/auth`` and ``POST /ots/payment/status``."""
    app = web.Application()
    app[CONFIG_KEY] = config
    app[_SHUTDOWN_KEY] = asyncio.Event()
    app.on_shutdown.append(_release_stalls)
    app.router.add_post(AUTH_PATH, _auth)
    app.router.add_post(STATUS_PATH, _status)
    return app


def _callback_pay_details(
    config: AtomPaySimConfig, atom_txn_id: int, amount: Decimal | str | int | float, signature: str
) -> dict[str, Any]:
    total = _wire_amount(amount)
    return {
        "atomTxnId": atom_txn_id,
        "amount": total,
        "surchargeAmount": 0.0,
        "totalAmount": total,
        "prodDetails": [{"prodName": config.product, "prodAmount": total}],
        "txnCurrency": "INR",
        "signature": signature,
    }


def build_callback(
    config: AtomPaySimConfig,
    *,
    merch_txn_id: str,
    amount: Decimal | str | int | float,
    status_code: str = "OTS0000",
    atom_txn_id: int = 11_000_000_000_001,
    bank_txn_id: str = "SIMBANK0000000001",
    sub_channel: str = "NB",
    merch_txn_date: str = "2024-01-02 08:34:05",
    tamper_signature: bool = False,
) -> dict[str, str]:
    """Form fields AtomPay would POST to ``/response``, signed with the response hash key."""
    signature = callback_signature(
        config.res_hash_key,
        merch_id=config.merch_id,
        atom_txn_id=atom_txn_id,
        merch_txn_id=merch_txn_id,
        total_amount=amount,
        status_code=status_code,
        sub_channel=sub_channel,
        bank_txn_id=bank_txn_id,
    )
    if tamper_signature:
        signature = signature[:-1] + ("0" if signature[-1] != "0" else "1")
    message = "SUCCESS" if status_code == "OTS0000" else "FAILED"
    bank = {"bankTxnId": bank_txn_id, "otsBankId": 2001, "otsBankName": "Sim Bank"}
    instrument = {
        "merchDetails": {
            "merchId": _wire_merch_id(config),
            "merchTxnId": merch_txn_id,
            "merchTxnDate": merch_txn_date,
        },
        "payDetails": _callback_pay_details(config, atom_txn_id, amount, signature),
        "payModeSpecificData": {"subChannel": [sub_channel], "bankDetails": bank},
        "responseDetails": {"statusCode": status_code, "message": message, "description": message},
    }
    enc_data = encrypt_json({"payInstrument": instrument}, config.res_enc_key)
    return {"encData": enc_data, "merchId": config.merch_id}
