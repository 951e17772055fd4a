"""Secrets payserv must be able to read back (webhook signing keys), encrypted at rest.

AES-256-GCM with a key derived from SECRET_KEY, so a database dump alone reveals no
secret. Changing SECRET_KEY makes stored secrets unreadable (see README).
"""

from __future__ import annotations

import hashlib
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from payserv.errors import PayservError

_NONCE_BYTES = 12
_CONTEXT = b"payserv secretbox v1"


class SecretKeyMismatchError(PayservError):
    """SECRET_KEY differs from the one that sealed this secret."""


def _key(secret_key: str) -> bytes:
    return hashlib.sha256(_CONTEXT + secret_key.encode()).digest()


def seal(plaintext: str, secret_key: str) -> bytes:
    """Encrypt ``plaintext``; the random nonce is stored in front of the ciphertext."""
    nonce = secrets.token_bytes(_NONCE_BYTES)
    return nonce + AESGCM(_key(secret_key)).encrypt(nonce, plaintext.encode(), _CONTEXT)


def open_sealed(sealed: bytes, secret_key: str, what: str = "this secret") -> str:
    """Decrypt what :func:`seal` produced.

    Raises :class:`SecretKeyMismatchError` naming ``what`` when this process's SECRET_KEY is
    not the one that sealed it (or the stored bytes were altered): the cryptography library's
    bare ``InvalidTag`` says neither.
    """
    nonce, ciphertext = sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:]
    try:
        return AESGCM(_key(secret_key)).decrypt(nonce, ciphertext, _CONTEXT).decode()
    except InvalidTag:
        raise SecretKeyMismatchError(
            f"SECRET_KEY differs from the one that sealed {what}: every process of one"
            " installation must run with the same SECRET_KEY"
        ) from None
