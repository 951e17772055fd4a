"""Sealed secrets: a process with another SECRET_KEY says so by name (DESIGN §1)."""

from __future__ import annotations

import pytest

from payserv.secretbox import SecretKeyMismatchError, open_sealed, seal


def test_round_trip() -> None:
    assert open_sealed(seal("whsec_abc", "key-a"), "key-a") == "whsec_abc"


def test_another_secret_key_is_named_not_a_bare_invalid_tag() -> None:
    sealed = seal("whsec_abc", "key-a")
    with pytest.raises(SecretKeyMismatchError) as raised:
        open_sealed(sealed, "key-b", "the webhook secret")
    assert str(raised.value).startswith("SECRET_KEY differs from the one that sealed the webhook")
