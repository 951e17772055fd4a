"""AtomPay (NTT DATA) wire layer: AES payloads, HMAC-SHA512 signatures, request JSON, forms.

Pure functions, no I/O. The scheme is the NDPS/AIPAY kit's (DESIGN §8): AES-256-CBC with a
PBKDF2-HMAC-SHA512 key, a fixed IV and uppercase hex; signatures are lowercase hex HMACs.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import re
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import parse_qsl, urlencode

from cryptography.hazmat.primitives import hashes, padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

from payserv.errors import PayservError

Amount = Decimal | str | int | float
# AtomPay sends merchId and atomTxnId as JSON numbers, so signature fields accept ints.
Field = str | int

TXN_CURRENCY = "INR"
# The kit's IV is the constant 0..15: the protocol gives no other, so we cannot randomise it.
_IV = bytes(range(16))
_PBKDF2_ITERATIONS = 65_536
_KEY_BYTES = 32
_BLOCK_BITS = 128
_HEX = re.compile(r"[0-9A-Fa-f]+")
_DECIMAL_TEXT = re.compile(r"[0-9]+(\.[0-9]+)?")
_CENT = Decimal("0.01")
# AtomPay reads merchTxnDate as Indian wall-clock time (the kit pins Asia/Kolkata); no DST.
_IST = timezone(timedelta(hours=5, minutes=30))
_MAX_UDFS = 5


class AtomPayCryptoError(PayservError, ValueError):
    """AtomPay data could not be decrypted or decoded.

    Still a ValueError, so that callers which parse AtomPay's fields catch both alike.
    """


@functools.lru_cache(maxsize=8)
def derive_key(key: str) -> bytes:
    """The 32-byte AES key for an AtomPay encryption key (the key is its own salt)."""
    if not key or not key.isascii():
        # Never echo the key: it is a secret.
        raise AtomPayCryptoError("AtomPay key must be a non-empty ASCII string")
    secret = key.encode("ascii")
    kdf = PBKDF2HMAC(
        algorithm=hashes.SHA512(), length=_KEY_BYTES, salt=secret, iterations=_PBKDF2_ITERATIONS
    )
    return kdf.derive(secret)


def _cipher(key: str) -> Cipher[modes.CBC]:
    return Cipher(algorithms.AES(derive_key(key)), modes.CBC(_IV))


def encrypt(plaintext: str, key: str) -> str:
    """AES-256-CBC encrypt ``plaintext`` (UTF-8, PKCS7) and return uppercase hex."""
    padder = padding.PKCS7(_BLOCK_BITS).padder()
    padded = padder.update(plaintext.encode("utf-8")) + padder.finalize()
    encryptor = _cipher(key).encryptor()
    return (encryptor.update(padded) + encryptor.finalize()).hex().upper()


def decrypt(hex_data: str, key: str) -> str:
    """Inverse of :func:`encrypt`; any malformed input raises :class:`AtomPayCryptoError`."""
    # bytes.fromhex would accept spaces; wire data must be bare hex of whole AES blocks.
    if not _HEX.fullmatch(hex_data) or len(hex_data) % (_BLOCK_BITS // 4):
        raise AtomPayCryptoError("encData is not hex-encoded AES blocks")
    decryptor = _cipher(key).decryptor()
    padded = decryptor.update(bytes.fromhex(hex_data)) + decryptor.finalize()
    unpadder = padding.PKCS7(_BLOCK_BITS).unpadder()
    try:
        return (unpadder.update(padded) + unpadder.finalize()).decode("utf-8")
    except ValueError:  # bad padding (usually a wrong key) or not UTF-8
        raise AtomPayCryptoError("encData does not decrypt with this key") from None


def _reject_constant(name: str) -> Any:
    raise AtomPayCryptoError(f"JSON constant {name} is not allowed")


def encrypt_json(payload: Mapping[str, Any], key: str) -> str:
    """Serialise ``payload`` with json.dumps and encrypt it (the ``encData`` value)."""
    return encrypt(json.dumps(payload, separators=(",", ":"), allow_nan=False), key)


def decrypt_json(hex_data: str, key: str) -> dict[str, Any]:
    """Decrypt ``encData`` into a JSON object; numbers with a fraction become ``Decimal``."""
    text = decrypt(hex_data, key)
    try:
        # Decimal keeps amounts exact; binary floats would blur the 2-decimal comparison.
        data = json.loads(text, parse_float=Decimal, parse_constant=_reject_constant)
    except (json.JSONDecodeError, RecursionError):  # RecursionError: absurdly deep nesting
        raise AtomPayCryptoError("encData is not JSON") from None
    if not isinstance(data, dict):
        raise AtomPayCryptoError("encData is not a JSON object")
    return data


def _to_decimal(amount: Amount) -> Decimal:
    # Callers pass values straight from parsed JSON: None, lists or bools must fail cleanly
    # (bool is an int subclass, and Decimal(str(None)) raises a non-ValueError).
    if isinstance(amount, bool) or not isinstance(amount, Decimal | str | int | float):
        raise ValueError("amount must be a number")
    if isinstance(amount, Decimal):
        return amount
    if isinstance(amount, str):
        # Decimal() would also take "1_000", " 1 ", "1e3" and "NaN": a wire amount is plain.
        if not _DECIMAL_TEXT.fullmatch(amount):
            raise ValueError("amount must be a plain decimal number")
        return Decimal(amount)
    # str() of a float is its shortest round-trip form, so 100.1 stays 100.1.
    return Decimal(str(amount))


def format_amount(amount: Amount) -> str:
    """Exactly two decimals ("100.00"); negative, non-finite or sub-paisa amounts raise."""
    value = _to_decimal(amount)
    if not value.is_finite() or value < 0:
        raise ValueError("amount must be a finite, non-negative number")
    try:
        cents = value.quantize(_CENT)
    except InvalidOperation:  # too many digits for the context
        raise ValueError("amount is out of range") from None
    # Rounding would sign or charge an amount nobody asked for.
    if cents != value:
        raise ValueError("amount must have at most 2 decimal places")
    return f"{cents.copy_abs():f}"  # copy_abs: "-0" must not become "-0.00"


def format_txn_date(when: datetime) -> str:
    """``merchTxnDate``: a timezone-aware time as Indian wall-clock "YYYY-MM-DD HH:MM:SS"."""
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError("merchTxnDate needs a timezone-aware datetime")
    return when.astimezone(_IST).strftime("%Y-%m-%d %H:%M:%S")


def _hmac_hex(hash_key: str, message: str) -> str:
    return hmac.new(hash_key.encode("utf-8"), message.encode("utf-8"), hashlib.sha512).hexdigest()


def callback_signature(
    hash_key: str,
    *,
    merch_id: Field,
    atom_txn_id: Field,
    merch_txn_id: Field,
    total_amount: Amount,
    status_code: str,
    sub_channel: str,
    bank_txn_id: Field,
) -> str:
    """Lowercase hex HMAC-SHA512 AtomPay puts in a callback's ``payDetails.signature``."""
    message = (
        f"{merch_id}{atom_txn_id}{merch_txn_id}{format_amount(total_amount)}"
        f"{status_code}{sub_channel}{bank_txn_id}"
    )
    return _hmac_hex(hash_key, message)


def status_request_signature(
    hash_key: str, *, merch_id: Field, merch_txn_id: Field, amount: Amount, txn_currency: str
) -> str:
    """Lowercase hex HMAC-SHA512 signing a status request."""
    return _hmac_hex(hash_key, f"{merch_id}{merch_txn_id}{format_amount(amount)}{txn_currency}")


def verify_signature(expected: str, given: str) -> bool:
    """Constant-time comparison of two hex signatures, ignoring case."""
    # Callers pass values straight from parsed JSON, which may not even be strings.
    if not expected or not isinstance(given, str):
        return False
    return hmac.compare_digest(expected.lower().encode(), given.lower().encode())


def build_auth_request(
    *,
    merch_id: str,
    password: str,
    merch_txn_id: str,
    merch_txn_date: datetime,
    amount: Amount,
    product: str,
    cust_email: str,
    cust_mobile: str,
    cust_acc_no: str = "",
    udfs: Sequence[str] = (),
) -> dict[str, Any]:
    """The AUTH request JSON object (DESIGN §8); encrypt it with :func:`encrypt_json`."""
    if len(udfs) > _MAX_UDFS:
        raise ValueError("at most 5 udf values")
    values = [*udfs, *[""] * (_MAX_UDFS - len(udfs))]
    extras = {f"udf{i}": value for i, value in enumerate(values, start=1)}
    return {
        "payInstrument": {
            "headDetails": {"version": "OTSv1.1", "api": "AUTH", "platform": "FLASH"},
            "merchDetails": {
                "merchId": merch_id,
                "userId": "",
                "password": password,
                "merchTxnId": merch_txn_id,
                "merchTxnDate": format_txn_date(merch_txn_date),
            },
            # A 2-decimal string, as the official kit sends it: exact, unlike a float.
            "payDetails": {
                "amount": format_amount(amount),
                "product": product,
                "custAccNo": cust_acc_no,
                "txnCurrency": TXN_CURRENCY,
            },
            "custDetails": {"custEmail": cust_email, "custMobile": cust_mobile},
            "extras": extras,
        }
    }


def build_status_request(
    *,
    merch_id: str,
    password: str,
    merch_txn_id: str,
    merch_txn_date: datetime,
    amount: Amount,
    hash_key: str,
) -> dict[str, Any]:
    """The signed status-API request JSON object (DESIGN §8)."""
    signature = status_request_signature(
        hash_key,
        merch_id=merch_id,
        merch_txn_id=merch_txn_id,
        amount=amount,
        txn_currency=TXN_CURRENCY,
    )
    return {
        "payInstrument": {
            "merchDetails": {
                "merchId": merch_id,
                "password": password,
                "merchTxnId": merch_txn_id,
                "merchTxnDate": format_txn_date(merch_txn_date),
            },
            # The same text that was signed, so both sides hash identical digits.
            "payDetails": {
                "amount": format_amount(amount),
                "txnCurrency": TXN_CURRENCY,
                "signature": signature,
            },
        }
    }


def encode_form(merch_id: str, enc_data: str) -> str:
    """The request body ``encData=…&merchId=…`` (application/x-www-form-urlencoded)."""
    return urlencode({"encData": enc_data, "merchId": merch_id})


def parse_form(body: str) -> dict[str, str]:
    """Parse an AtomPay reply such as ``merchId=…&encData=…``; repeated fields raise."""
    fields: dict[str, str] = {}
    for name, value in parse_qsl(body.strip(), keep_blank_values=True):
        # Two differing values would let the reader and the verifier see different data.
        if name in fields:
            raise AtomPayCryptoError(f"form field {name!r} appears twice")
        fields[name] = value
    return fields
