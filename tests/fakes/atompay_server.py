"""The test suite's AtomPay: payserv's own simulator (payserv/atompay/simulator.py) behind
an aiohttp app, plus the failure modes tests steer it into.

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

from aiohttp import web

from payserv.atompay import simulator
from payserv.atompay.simulator import SimRequestError

AuthMode = Literal["ok", "error_code", "http_500", "timeout", "garbage"]
StatusMode = Literal["ok", "http_500", "timeout", "garbage"]

AUTH_PATH = "/ots/aipay/auth"
STATUS_PATH = "/ots/payment/status"
GARBAGE_ENC_DATA = "THIS-IS-NOT-HEX"


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


def _reply(text: str) -> web.Response:
    return web.Response(text=text, content_type="text/plain")


async def _read_request(request: web.Request, config: AtomPaySimConfig) -> dict[str, Any]:
    try:
        return simulator.read_request(config, await request.post())
    except SimRequestError as exc:
        raise web.HTTPBadRequest(text=str(exc)) from None


async def _stall(app: web.Application, config: AtomPaySimConfig) -> None:
    # Wake on app shutdown so a test's teardown does not wait out the whole stall.
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(app[_SHUTDOWN_KEY].wait(), config.stall_seconds)


async def _misbehave(request: web.Request, config: AtomPaySimConfig, mode: str) -> None:
    """The failure modes both APIs share: an outage, a stall, undecryptable garbage."""
    if mode == "http_500":
        raise web.HTTPInternalServerError(text="simulated AtomPay outage")
    if mode == "timeout":
        await _stall(request.app, config)
    if mode == "garbage":
        raise web.HTTPOk(text=simulator.reply_body(config, GARBAGE_ENC_DATA))


async def _auth(request: web.Request) -> web.Response:
    config = request.app[CONFIG_KEY]
    payload = await _read_request(request, config)
    config.auth_requests.append(payload)
    await _misbehave(request, config, config.auth_mode)
    problem = "AUTH SERVICE FAILED" if config.auth_mode == "error_code" else None
    problem = problem or simulator.auth_problem(payload, config)
    if problem is not None:
        return _reply(simulator.auth_refusal(config, problem))
    token_id = config.next_atom_token_id
    config.next_atom_token_id += 1
    return _reply(simulator.auth_success(config, token_id))


async def _status(request: web.Request) -> web.Response:
    config = request.app[CONFIG_KEY]
    payload = await _read_request(request, config)
    config.status_requests.append(payload)
    await _misbehave(request, config, config.status_mode)
    # A bad signature is an HTTP error, not a status code, so no client can settle on it.
    if not simulator.status_signature_ok(payload, config):
        raise web.HTTPBadRequest(text="status request signature does not verify")
    merch_txn_id = payload["payInstrument"]["merchDetails"]["merchTxnId"]
    result = config.status_results.get(merch_txn_id, {})
    return _reply(simulator.status_reply(config, payload, result))


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
    return simulator.build_callback(
        config,
        merch_txn_id=merch_txn_id,
        amount=amount,
        status_code=status_code,
        atom_txn_id=atom_txn_id,
        bank_txn_id=bank_txn_id,
        sub_channel=sub_channel,
        merch_txn_date=merch_txn_date,
        tamper_signature=tamper_signature,
    )
