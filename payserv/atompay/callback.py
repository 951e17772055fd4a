"""AtomPay's callback to ``POST /response`` (DESIGN §8): decrypt, read, verify, settle once."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import asyncpg
import structlog

from payserv.atompay import payments
from payserv.atompay.client import SUCCESS_CODE
from payserv.atompay.config import AtomPayConfig
from payserv.atompay.crypto import (
    AtomPayCryptoError,
    callback_signature,
    decrypt_json,
    format_amount,
    verify_signature,
)
from payserv.atompay.payments import Payment
from payserv.atompay.values import amount_of, code_of, object_of, text_of
from payserv.errors import BadRequestError, NotFoundError, SignatureError

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Callback:
    """The fields of a decrypted callback that payserv checks and keeps."""

    merch_id: str
    merch_txn_id: str
    atom_txn_id: str
    amount: Decimal
    surcharge_amount: Decimal
    total_amount: Decimal
    status_code: str
    sub_channel: str
    bank_txn_id: str
    signature: Any

    def verify(self, config: AtomPayConfig) -> None:
        """``payDetails.signature`` must be ours (response hash key), in constant time."""
        expected = callback_signature(
            config.res_hash_key,
            merch_id=self.merch_id,
            atom_txn_id=self.atom_txn_id,
            merch_txn_id=self.merch_txn_id,
            total_amount=self.total_amount,
            status_code=self.status_code,
            sub_channel=self.sub_channel,
            bank_txn_id=self.bank_txn_id,
        )
        valid = verify_signature(expected, self.signature)
        if not valid or self.merch_id != config.merch_id:
            raise SignatureError("the callback's signature does not verify")

    def amount_matches(self, stored: Decimal) -> bool:
        """The amount is the payment's, and the total is that plus AtomPay's surcharge."""
        return self.amount == stored and self.total_amount == self.amount + self.surcharge_amount


def read_callback(enc_data: str, config: AtomPayConfig) -> Callback:
    """Decrypt ``encData`` with the response key; 400 when it is not a callback."""
    try:
        data = decrypt_json(enc_data, config.res_enc_key)
    except AtomPayCryptoError:
        raise BadRequestError("encData could not be decrypted", field="encData") from None
    instrument = object_of(data.get("payInstrument"))
    merch = object_of(instrument.get("merchDetails"))
    pay = object_of(instrument.get("payDetails"))
    mode = object_of(instrument.get("payModeSpecificData"))
    response = object_of(instrument.get("responseDetails"))
    merch_txn_id = text_of(merch.get("merchTxnId"))
    status_code = code_of(response.get("statusCode"))
    if merch_txn_id is None or status_code is None:
        raise BadRequestError("encData is not an AtomPay callback", field="encData")
    amount, surcharge, total = _amounts(pay)
    return Callback(
        merch_id=text_of(merch.get("merchId")) or "",
        merch_txn_id=merch_txn_id,
        atom_txn_id=text_of(pay.get("atomTxnId")) or "",
        amount=amount,
        surcharge_amount=surcharge,
        total_amount=total,
        status_code=status_code,
        sub_channel=_first_sub_channel(mode.get("subChannel")),
        bank_txn_id=text_of(object_of(mode.get("bankDetails")).get("bankTxnId")) or "",
        signature=pay.get("signature"),
    )


async def accept_callback(
    conn: asyncpg.Connection, config: AtomPayConfig, callback: Callback
) -> Payment:
    """Check a decrypted callback against the stored payment, then settle it once.

    Unknown ``merchTxnId`` → 404; bad signature → 400 SIGNATURE_ERROR; another amount →
    400. A payment that is already settled is returned unchanged (a replay).
    """
    payment = await payments.get_payment(conn, callback.merch_txn_id)
    if payment is None:
        raise NotFoundError("no payment has this merchTxnId")
    callback.verify(config)
    if not callback.amount_matches(payment.amount):
        log.warning("atompay_callback_amount_mismatch", merch_txn_id=payment.merch_txn_id)
        raise BadRequestError("the callback's amount differs from the payment's amount")
    status = payments.SUCCESS if callback.status_code == SUCCESS_CODE else payments.FAILED
    settled = await payments.settle(conn, payment.merch_txn_id, status, callback)
    log.info(
        "atompay_callback_accepted" if settled else "atompay_callback_replayed",
        merch_txn_id=payment.merch_txn_id,
        status=status,
        status_code=callback.status_code,
    )
    current = await payments.get_payment(conn, payment.merch_txn_id)
    assert current is not None
    return current


def _amounts(pay: dict[str, Any]) -> tuple[Decimal, Decimal, Decimal]:
    """amount, surchargeAmount and totalAmount, each a non-negative 2-decimal number."""
    surcharge = _amount(pay, "surchargeAmount", default=Decimal(0)) or Decimal(0)
    total = _amount(pay, "totalAmount", default=None)
    amount = _amount(pay, "amount", default=None if total is None else total - surcharge)
    if amount is None:
        raise BadRequestError("the callback has no amount", field="encData")
    return amount, surcharge, total if total is not None else amount + surcharge


def _amount(pay: dict[str, Any], name: str, default: Decimal | None) -> Decimal | None:
    if pay.get(name) is None:
        return default
    value = amount_of(pay.get(name))
    try:
        if value is None:
            raise ValueError(name)
        format_amount(value)  # non-negative, at most 2 decimals
    except ValueError:
        raise BadRequestError(f"the callback's {name} is not an amount", field="encData") from None
    return value


def _first_sub_channel(value: Any) -> str:
    """``subChannel`` is a list in callbacks (``["NB"]``), a string in some answers."""
    if isinstance(value, list):
        value = value[0] if value else None
    return text_of(value) or ""
