"""AtomPay crypto and wire helpers, checked against an independent implementation of the scheme."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from payserv.atompay.crypto import (
    AtomPayCryptoError,
    build_auth_request,
    build_status_request,
    callback_signature,
    decrypt,
    decrypt_json,
    encode_form,
    encrypt,
    encrypt_json,
    format_amount,
    parse_form,
    status_request_signature,
    verify_signature,
)

KEY = "SIMREQENCKEY0123456789ABCDEF0001"
OTHER_KEY = "SIMRESENCKEY0123456789ABCDEF0002"
PLAINTEXT = '{"merchTxnId":"TXN-0001","amount":"100.00"}'
# Computed once with the independent reference below; pinned so that a regression in both the
# module and the reference (e.g. a shared wrong assumption) still fails.
KNOWN_CIPHERTEXT = (
    "860C99D0C1FC90311454A455ACC8C48A759309F9738A22DF40445BD899AAE829"
    "A206E16816DBE56F8B0463AD9BBAC285"
)
HASH_KEY = "KEYRESP-TEST-0001"


def reference_encrypt(plaintext: str, key: str) -> str:
    """The published scheme, written out with hashlib and raw AES-CBC plus manual PKCS7."""
    secret = key.encode("ascii")
    aes_key = hashlib.pbkdf2_hmac("sha512", secret, secret, 65536, 32)
    data = plaintext.encode("utf-8")
    pad = 16 - len(data) % 16
    data += bytes([pad]) * pad
    encryptor = Cipher(algorithms.AES(aes_key), modes.CBC(bytes(range(16)))).encryptor()
    return (encryptor.update(data) + encryptor.finalize()).hex().upper()


def test_known_vector() -> None:
    expected = reference_encrypt(PLAINTEXT, KEY)
    assert expected == KNOWN_CIPHERTEXT
    assert encrypt(PLAINTEXT, KEY) == KNOWN_CIPHERTEXT
    assert decrypt(KNOWN_CIPHERTEXT, KEY) == PLAINTEXT


@pytest.mark.parametrize("plaintext", ["", "x", "a" * 16, "ünïcødé ₹ 100", PLAINTEXT * 5])
def test_round_trip(plaintext: str) -> None:
    hex_data = encrypt(plaintext, KEY)
    assert hex_data == hex_data.upper()
    assert len(hex_data) % 32 == 0
    assert hex_data == reference_encrypt(plaintext, KEY)
    assert decrypt(hex_data, KEY) == plaintext
    assert decrypt(hex_data.lower(), KEY) == plaintext


def test_json_round_trip_keeps_amounts_exact() -> None:
    hex_data = encrypt_json({"amount": 100.10, "id": 7, "name": "ü"}, KEY)
    assert json.loads(decrypt(hex_data, KEY)) == {"amount": 100.1, "id": 7, "name": "ü"}
    assert decrypt_json(hex_data, KEY) == {"amount": Decimal("100.1"), "id": 7, "name": "ü"}


@pytest.mark.parametrize(
    "hex_data",
    [
        "",
        "not hex at all!",
        "ABC",  # odd length
        "AB" * 15,  # not a whole AES block
        " " + KNOWN_CIPHERTEXT,  # bytes.fromhex would tolerate the space
        KNOWN_CIPHERTEXT[:-2],
        KNOWN_CIPHERTEXT + "\n",
    ],
)
def test_decrypt_rejects_malformed_hex(hex_data: str) -> None:
    with pytest.raises(AtomPayCryptoError):
        decrypt(hex_data, KEY)


def test_decrypt_with_wrong_key_is_bad_padding() -> None:
    with pytest.raises(AtomPayCryptoError, match="does not decrypt"):
        decrypt(KNOWN_CIPHERTEXT, OTHER_KEY)


def test_decrypt_rejects_non_utf8() -> None:
    hex_data = reference_encrypt("x", KEY)
    # Same scheme, but a plaintext byte that is not UTF-8 (0xFF) and valid padding.
    secret = KEY.encode()
    aes_key = hashlib.pbkdf2_hmac("sha512", secret, secret, 65536, 32)
    encryptor = Cipher(algorithms.AES(aes_key), modes.CBC(bytes(range(16)))).encryptor()
    raw = b"\xff" + bytes([15]) * 15
    bad = (encryptor.update(raw) + encryptor.finalize()).hex()
    assert decrypt(hex_data, KEY) == "x"
    with pytest.raises(AtomPayCryptoError):
        decrypt(bad, KEY)


@pytest.mark.parametrize("plaintext", ["not json", "[1, 2]", '{"a": NaN}'])
def test_decrypt_json_rejects_non_objects(plaintext: str) -> None:
    with pytest.raises(AtomPayCryptoError):
        decrypt_json(encrypt(plaintext, KEY), KEY)


def test_errors_are_value_errors_and_never_echo_the_key() -> None:
    with pytest.raises(ValueError) as caught:
        decrypt("00" * 16, KEY)
    assert KEY not in str(caught.value)


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (Decimal("100"), "100.00"),
        ("100", "100.00"),
        (100, "100.00"),
        (Decimal("99.9"), "99.90"),
        ("0.05", "0.05"),
        (100.1, "100.10"),
        (Decimal("1E+2"), "100.00"),
    ],
)
def test_format_amount(amount: Decimal | str | int | float, text: str) -> None:
    assert format_amount(amount) == text


@pytest.mark.parametrize(
    "amount", ["1e3", "NaN", "1_000", " 1", "-1", "100.001", -1, float("inf"), True]
)
def test_format_amount_rejects(amount: Decimal | str | int | float) -> None:
    with pytest.raises(ValueError):
        format_amount(amount)


def test_callback_signature_message() -> None:
    message = "317157" + "11000000000001" + "TXN-0001" + "100.00" + "OTS0000" + "NB" + "BANK77"
    expected = hmac.new(HASH_KEY.encode(), message.encode(), hashlib.sha512).hexdigest()
    got = callback_signature(
        HASH_KEY,
        merch_id=317157,
        atom_txn_id=11000000000001,
        merch_txn_id="TXN-0001",
        total_amount=Decimal("100"),
        status_code="OTS0000",
        sub_channel="NB",
        bank_txn_id="BANK77",
    )
    assert got == expected
    assert got == got.lower() and len(got) == 128


def test_status_request_signature_message() -> None:
    message = "317157" + "TXN-0001" + "250.50" + "INR"
    expected = hmac.new(HASH_KEY.encode(), message.encode(), hashlib.sha512).hexdigest()
    got = status_request_signature(
        HASH_KEY, merch_id="317157", merch_txn_id="TXN-0001", amount="250.5", txn_currency="INR"
    )
    assert got == expected


def test_verify_signature() -> None:
    signature = hmac.new(b"k", b"m", hashlib.sha512).hexdigest()
    assert verify_signature(signature, signature)
    assert verify_signature(signature, signature.upper())
    assert verify_signature(signature.upper(), signature)
    tampered = signature[:-1] + ("0" if signature[-1] != "0" else "1")
    assert not verify_signature(signature, tampered)
    assert not verify_signature(signature, signature[:-2])
    assert not verify_signature(signature, "")
    assert not verify_signature("", "")
    assert not verify_signature(signature, "ü" * 128)
    assert not verify_signature(signature, None)  # type: ignore[arg-type]


WHEN = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_build_auth_request() -> None:
    request = build_auth_request(
        merch_id="317157",
        password="pw",
        merch_txn_id="TXN-0001",
        merch_txn_date=WHEN,
        amount=Decimal("100"),
        product="NSE",
        cust_email="a@example.com",
        cust_mobile="9999999999",
        udfs=["event-1"],
    )
    assert request == {
        "payInstrument": {
            "headDetails": {"version": "OTSv1.1", "api": "AUTH", "platform": "FLASH"},
            "merchDetails": {
                "merchId": "317157",
                "userId": "",
                "password": "pw",
                "merchTxnId": "TXN-0001",
                "merchTxnDate": "2024-01-02 08:34:05",  # IST wall clock
            },
            "payDetails": {
                "amount": "100.00",
                "product": "NSE",
                "custAccNo": "",
                "txnCurrency": "INR",
            },
            "custDetails": {"custEmail": "a@example.com", "custMobile": "9999999999"},
            "extras": {"udf1": "event-1", "udf2": "", "udf3": "", "udf4": "", "udf5": ""},
        }
    }


def test_build_auth_request_rejects_naive_dates_and_extra_udfs() -> None:
    common = {
        "merch_id": "1",
        "password": "pw",
        "merch_txn_id": "T",
        "amount": 1,
        "product": "NSE",
        "cust_email": "a@example.com",
        "cust_mobile": "1",
    }
    with pytest.raises(ValueError):
        build_auth_request(merch_txn_date=datetime(2024, 1, 2), **common)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        build_auth_request(merch_txn_date=WHEN, udfs=["x"] * 6, **common)  # type: ignore[arg-type]


def test_build_status_request_is_signed() -> None:
    request = build_status_request(
        merch_id="317157",
        password="pw",
        merch_txn_id="TXN-0001",
        merch_txn_date=WHEN,
        amount=Decimal("100"),
        hash_key=HASH_KEY,
    )
    message = "317157TXN-0001100.00INR"
    signature = hmac.new(HASH_KEY.encode(), message.encode(), hashlib.sha512).hexdigest()
    assert request == {
        "payInstrument": {
            "merchDetails": {
                "merchId": "317157",
                "password": "pw",
                "merchTxnId": "TXN-0001",
                "merchTxnDate": "2024-01-02 08:34:05",
            },
            "payDetails": {"amount": "100.00", "txnCurrency": "INR", "signature": signature},
        }
    }


def test_forms() -> None:
    body = encode_form("317157", KNOWN_CIPHERTEXT)
    assert body == f"encData={KNOWN_CIPHERTEXT}&merchId=317157"
    assert parse_form(body) == {"encData": KNOWN_CIPHERTEXT, "merchId": "317157"}
    assert parse_form("merchId=1&encData=AB%2BCD\n") == {"merchId": "1", "encData": "AB+CD"}
    with pytest.raises(AtomPayCryptoError):
        parse_form("encData=AA&encData=BB")
