"""AtomPay's server APIs (AUTH and transaction status) over HTTP, each call with a timeout.

The atompay part's outbound HTTP client: the only module of the part that uses aiohttp.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, TypedDict

import aiohttp

from payserv.atompay.config import AtomPayConfig
from payserv.atompay.crypto import (
    AtomPayCryptoError,
    build_auth_request,
    build_status_request,
    decrypt_json,
    encode_form,
    encrypt_json,
    parse_form,
)
from payserv.atompay.payments import Payment
from payserv.atompay.values import amount_of, code_of, object_of, text_of
from payserv.errors import UpstreamError

# Read at call time, so tests can shorten it.
REQUEST_TIMEOUT_SECONDS = 15.0
SUCCESS_CODE = "OTS0000"
# Status-API codes after which AtomPay will not complete the transaction: cancelled by
# the customer, timed out, declined by the bank, failed. Anything else (OTS0002 pending,
# no data yet, unknown codes) is asked again on the next run.
FINAL_FAILURE_CODES = frozenset({"OTS0101", "OTS0201", "OTS0351", "OTS0600"})
_FORM_HEADERS = {"Content-Type": "application/x-www-form-urlencoded"}


def is_final_failure(status_code: str) -> bool:
    """True for a status code that ends a transaction as failed."""
    return status_code in FINAL_FAILURE_CODES


class AtomPayCallError(UpstreamError):
    """AtomPay failed, timed out or answered something unusable."""

    def __init__(self, message: str, status_code: str | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code


@dataclass(frozen=True)
class StatusReport:
    """What the status API says about one transaction."""

    status_code: str
    atom_txn_id: str | None
    bank_txn_id: str | None
    amount: Decimal | None

    def amount_matches(self, expected: Decimal) -> bool:
        return self.amount is not None and self.amount == expected


class _Transaction(TypedDict):
    """The fields of a payment that both the AUTH and the status request carry."""

    merch_id: str
    password: str
    merch_txn_id: str
    merch_txn_date: datetime
    amount: Decimal


@dataclass(frozen=True)
class AtomPayClient:
    """The merchant's AtomPay account over one HTTP session (the part's only aiohttp user)."""

    http: aiohttp.ClientSession
    config: AtomPayConfig

    async def request_token(self, payment: Payment) -> str:
        """AUTH: the ``atomTokenId`` for ``payment``; AtomPayCallError unless ``OTS0000``."""
        config = self.config
        request = build_auth_request(
            **self._transaction(payment),
            product=config.product,
            cust_email=payment.email,
            cust_mobile=payment.phone,
            udfs=(str(payment.event_id), str(payment.user_id), "", "", payment.event_type),
        )
        reply = await self._call(config.auth_url, request)
        details = object_of(reply.get("responseDetails"))
        code = code_of(details.get("txnStatusCode"))
        if code != SUCCESS_CODE:
            description = text_of(details.get("txnDescription")) or "no description"
            raise AtomPayCallError(f"AtomPay answered {code or 'no status'}: {description}", code)
        token = text_of(reply.get("atomTokenId"))
        if not token:
            raise AtomPayCallError("AtomPay answered OTS0000 without an atomTokenId", code)
        return token

    async def query_status(self, payment: Payment) -> StatusReport:
        """The status API's answer about ``payment``."""
        request = build_status_request(
            **self._transaction(payment), hash_key=self.config.req_hash_key
        )
        reply = await self._call(self.config.status_url, request)
        entry = _status_entry(reply.get("payInstrument"), payment.merch_txn_id)
        code = code_of(object_of(entry.get("responseDetails")).get("statusCode"))
        if not code:
            raise AtomPayCallError("AtomPay's status answer has no statusCode")
        pay = object_of(entry.get("payDetails"))
        bank = object_of(object_of(entry.get("payModeSpecificData")).get("bankDetails"))
        return StatusReport(
            status_code=code,
            atom_txn_id=text_of(pay.get("atomTxnId")),
            bank_txn_id=text_of(bank.get("bankTxnId")),
            amount=amount_of(pay.get("amount")),
        )

    def _transaction(self, payment: Payment) -> _Transaction:
        return _Transaction(
            merch_id=self.config.merch_id,
            password=self.config.password,
            merch_txn_id=payment.merch_txn_id,
            merch_txn_date=payment.created_at,
            amount=payment.amount,
        )

    async def _call(self, url: str, request: dict[str, Any]) -> dict[str, Any]:
        """POST ``encData=…&merchId=…`` and return the decrypted JSON of the reply."""
        config = self.config
        body = encode_form(config.merch_id, encrypt_json(request, config.req_enc_key))
        timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_SECONDS)
        try:
            async with self.http.post(
                url, data=body, headers=_FORM_HEADERS, timeout=timeout
            ) as response:
                status = response.status
                raw = await response.read()
        except TimeoutError:
            raise AtomPayCallError("AtomPay did not answer in time") from None
        except aiohttp.ClientError as exc:
            name = type(exc).__name__
            raise AtomPayCallError(f"AtomPay could not be reached ({name})") from None
        if status != 200:
            raise AtomPayCallError(f"AtomPay answered HTTP {status}")
        return _decode_reply(raw, config)


def _status_entry(instruments: Any, merch_txn_id: str) -> dict[str, Any]:
    """The answer's entry for our transaction (a list, though usually of one)."""
    entries = instruments if isinstance(instruments, list) else [instruments]
    for entry in entries:
        if isinstance(entry, dict):
            merch = object_of(entry.get("merchDetails"))
            if text_of(merch.get("merchTxnId")) in (None, merch_txn_id):
                return entry
    raise AtomPayCallError("AtomPay's status answer does not describe this transaction")


def _decode_reply(raw: bytes, config: AtomPayConfig) -> dict[str, Any]:
    try:
        form = parse_form(raw.decode("utf-8"))
        enc_data = form.get("encData", "")
        if not enc_data or enc_data == "null":
            # An AUTH refusal may come as a plain form with the code and no encData.
            code = code_of(form.get("txnStatusCode"))
            raise AtomPayCallError(f"AtomPay answered {code or 'without encData'}", code)
        return decrypt_json(enc_data, config.res_enc_key)
    except (UnicodeDecodeError, AtomPayCryptoError):
        raise AtomPayCallError("AtomPay's answer could not be decrypted") from None
