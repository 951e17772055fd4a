"""The built-in AtomPay sandbox (DESIGN §8a): AtomPay's side of a payment, kept in Postgres.

Its AUTH and status APIs speak the real wire format (simulator.py) with the sandbox's fixed
account (config.sandbox_config), so payserv's own client reaches them over real HTTP. What
the customer chooses on the sandbox's checkout page is stored in Postgres, so every web
process answers the status API alike and the reconcile job in any worker settles from it.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import asyncpg
import structlog

from payserv.atompay import simulator
from payserv.atompay.config import AtomPayConfig
from payserv.atompay.simulator import FAILURE_CODE, SUCCESS_CODE, SimRequestError
from payserv.errors import BadRequestError
from payserv.queries import query

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class SandboxTransaction:
    """A token the sandbox issued, and what the customer chose (status_code None: not yet)."""

    atom_token_id: str
    merch_txn_id: str
    merch_txn_date: str
    amount: Decimal
    cust_email: str
    status_code: str | None
    atom_txn_id: str | None
    bank_txn_id: str | None

    @property
    def paid(self) -> bool:
        return self.status_code == SUCCESS_CODE

    def status_result(self) -> dict[str, Any]:
        """What the status API reports: pending until the customer has chosen."""
        if self.status_code is None:
            return {"statusCode": simulator.PENDING_CODE, "amount": self.amount}
        return {
            "statusCode": self.status_code,
            "atomTxnId": int(self.atom_txn_id or 0),
            "bankTxnId": self.bank_txn_id,
            "amount": self.amount,
        }


def _read(account: AtomPayConfig, form: Mapping[str, Any]) -> dict[str, Any]:
    try:
        return simulator.read_request(account, form)
    except SimRequestError as exc:
        raise BadRequestError(str(exc), field="encData") from None


def _digits(count: int) -> str:
    # Numeric like AtomPay's ids, and random: the token is the checkout page's capability.
    return str(10 ** (count - 1) + secrets.randbelow(9 * 10 ** (count - 1)))


async def answer_auth(pool: asyncpg.Pool, account: AtomPayConfig, form: Mapping[str, Any]) -> str:
    """The AUTH answer: a new atomTokenId, recorded for the checkout page, or a refusal."""
    payload = _read(account, form)
    problem = simulator.auth_problem(payload, account)
    if problem is not None:
        return simulator.auth_refusal(account, problem)
    instrument = payload["payInstrument"]
    merch, pay = instrument["merchDetails"], instrument["payDetails"]
    customer = simulator.section(instrument, "custDetails")
    token = int(_digits(15))
    async with pool.acquire() as conn:
        await conn.execute(
            query("atompay_sandbox_insert"),
            str(token),
            str(merch["merchTxnId"]),
            str(merch.get("merchTxnDate", "")),
            Decimal(str(pay["amount"])),
            str(customer.get("custEmail", "")),
        )
    log.info("atompay_sandbox_token_issued", merch_txn_id=merch["merchTxnId"])
    return simulator.auth_success(account, token)


async def answer_status(pool: asyncpg.Pool, account: AtomPayConfig, form: Mapping[str, Any]) -> str:
    """The status answer: what the customer chose on the sandbox page (pending until then)."""
    payload = _read(account, form)
    # A bad signature is an HTTP error, not a status code, as with the test simulator.
    if not simulator.status_signature_ok(payload, account):
        raise BadRequestError("the status request's signature does not verify", field="encData")
    merch_txn_id = str(payload["payInstrument"]["merchDetails"]["merchTxnId"])
    async with pool.acquire() as conn:
        row = await conn.fetchrow(query("atompay_sandbox_status"), merch_txn_id)
    result = SandboxTransaction(**dict(row)).status_result() if row else {}
    return simulator.status_reply(account, payload, result)


async def get_transaction(pool: asyncpg.Pool, atom_token_id: str) -> SandboxTransaction | None:
    """The transaction the sandbox's checkout page shows."""
    async with pool.acquire() as conn:
        row = await conn.fetchrow(query("atompay_sandbox_by_token"), atom_token_id)
    return SandboxTransaction(**dict(row)) if row else None


async def decide(pool: asyncpg.Pool, atom_token_id: str, *, pay: bool) -> SandboxTransaction | None:
    """Record the customer's choice; a second choice changes nothing (like a real bank)."""
    code = SUCCESS_CODE if pay else FAILURE_CODE
    async with pool.acquire() as conn:
        row = await conn.fetchrow(
            query("atompay_sandbox_decide"),
            atom_token_id,
            code,
            _digits(14),
            "SANDBOX" + _digits(10),
        )
    if row is None:
        return None
    transaction = SandboxTransaction(**dict(row))
    log.info(
        "atompay_sandbox_decided",
        merch_txn_id=transaction.merch_txn_id,
        status_code=transaction.status_code,
    )
    return transaction


def callback_form(account: AtomPayConfig, transaction: SandboxTransaction) -> dict[str, str]:
    """The encrypted, signed callback the browser posts to ``/response`` for a decision."""
    assert transaction.status_code is not None
    return simulator.build_callback(
        account,
        merch_txn_id=transaction.merch_txn_id,
        amount=transaction.amount,
        status_code=transaction.status_code,
        atom_txn_id=int(transaction.atom_txn_id or 0),
        bank_txn_id=transaction.bank_txn_id or "",
        merch_txn_date=transaction.merch_txn_date,
    )
