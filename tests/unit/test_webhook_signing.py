"""Webhook signatures: the seed's hex HMAC, Standard Webhooks, secrets and verification."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from payserv.gateway.signing import (
    generate_webhook_secret,
    hex_signature,
    signature_headers,
    standard_webhooks_key,
    standard_webhooks_signature,
    verify_hex_signature,
)

SEEDED = "whsec_test_abc123"
BODY = b'{"event":"payment.success","timestamp":1700000000,"data":{}}'
KEY = bytes(range(32))
GENERATED_FORM = "whsec_" + base64.b64encode(KEY).decode()


def test_hex_signature_is_hmac_sha256_of_the_raw_body() -> None:
    expected = hmac.new(SEEDED.encode(), BODY, hashlib.sha256).hexdigest()
    assert hex_signature(SEEDED, BODY) == expected
    # A fixed vector, so the test does not merely restate the implementation.
    assert hex_signature("key", b"The quick brown fox jumps over the lazy dog") == (
        "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
    )


def test_hex_signature_uses_utf8_secret() -> None:
    expected = hmac.new("sécret".encode(), BODY, hashlib.sha256).hexdigest()
    assert hex_signature("sécret", BODY) == expected


def test_verify_hex_signature() -> None:
    good = hmac.new(b"bank-secret", BODY, hashlib.sha256).hexdigest()
    assert verify_hex_signature("bank-secret", BODY, good)
    assert verify_hex_signature("bank-secret", BODY, good.upper())
    assert verify_hex_signature("bank-secret", BODY, f" {good}\n")
    assert not verify_hex_signature("bank-secret", BODY + b" ", good)
    assert not verify_hex_signature("other-secret", BODY, good)
    assert not verify_hex_signature("bank-secret", BODY, good[:-1])
    assert not verify_hex_signature("bank-secret", BODY, "")


@pytest.mark.parametrize("hostile", ["é" * 64, "\udcff", "sha256=é"])
def test_verify_rejects_non_ascii_without_raising(hostile: str) -> None:
    assert not verify_hex_signature("bank-secret", BODY, hostile)


def test_whsec_base64_tail_is_the_key() -> None:
    assert standard_webhooks_key(GENERATED_FORM) == KEY
    assert standard_webhooks_key("whsec_" + base64.b64encode(b"abc").decode()) == b"abc"


@pytest.mark.parametrize(
    "secret",
    [
        SEEDED,  # "_" is not in the base64 alphabet
        "whsec_",  # decodes to nothing
        "whsec_abc",  # bad padding
        "whsec_YWJj\n",  # strict: no stray characters
        "whsec_YWJj√",  # non-ASCII
        "plain-secret",  # no prefix
        base64.b64encode(KEY).decode(),  # base64 but no prefix
    ],
)
def test_secret_that_does_not_decode_is_its_own_utf8_bytes(secret: str) -> None:
    assert standard_webhooks_key(secret) == secret.encode()


def test_standard_webhooks_signature_with_a_decoded_key() -> None:
    digest = hmac.new(KEY, b"msg_1.1700000000." + BODY, hashlib.sha256).digest()
    expected = "v1," + base64.b64encode(digest).decode()
    assert standard_webhooks_signature(GENERATED_FORM, "msg_1", 1700000000, BODY) == expected


def test_standard_webhooks_signature_of_the_seeded_secret() -> None:
    digest = hmac.new(SEEDED.encode(), b"id.5." + BODY, hashlib.sha256).digest()
    expected = "v1," + base64.b64encode(digest).decode()
    assert standard_webhooks_signature(SEEDED, "id", 5, BODY) == expected


def test_standard_webhooks_signature_matches_the_specs_example() -> None:
    # The example in the Standard Webhooks specification (standard-webhooks/spec.md).
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    msg_id = "msg_p5jXN8AQM9LWM0D4loKWxJek"
    body = b'{"test": 2432232314}'
    assert standard_webhooks_signature(secret, msg_id, 1614265330, body) == (
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    )


def test_signature_headers() -> None:
    headers = signature_headers(GENERATED_FORM, "3f2b7a9e-uuid", 1700000000, BODY)
    assert set(headers) == {
        "X-Webhook-Signature",
        "webhook-id",
        "webhook-timestamp",
        "webhook-signature",
    }
    assert headers["X-Webhook-Signature"] == (
        hmac.new(GENERATED_FORM.encode(), BODY, hashlib.sha256).hexdigest()
    )
    assert headers["webhook-id"] == "3f2b7a9e-uuid"
    assert headers["webhook-timestamp"] == "1700000000"
    digest = hmac.new(KEY, b"3f2b7a9e-uuid.1700000000." + BODY, hashlib.sha256).digest()
    assert headers["webhook-signature"] == "v1," + base64.b64encode(digest).decode()


def test_generated_secrets_decode_to_32_random_bytes() -> None:
    secrets_seen = {generate_webhook_secret() for _ in range(50)}
    assert len(secrets_seen) == 50
    for secret in secrets_seen:
        assert secret.startswith("whsec_")
        key = base64.b64decode(secret.removeprefix("whsec_"), validate=True)
        assert len(key) == 32
        assert standard_webhooks_key(secret) == key
