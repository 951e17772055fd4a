"""Secrets payserv must be able to read back (webhook signing keys), encrypted at rest.

AES-256-GCM with a key derived from SECRET_KEY, so a database dump alone reveals no
secret. Changing SECRET_KEY makes stored secrets unreadable (see README).
"""

from __future__ import annotations

import hashlib
import secrets

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_NONCE_BYTES = 12
_CONTEXT = b"payserv secretbox v1"


def _key(secret_key: str) -> bytes:
    return hashlib.sha256(_CONTEXT + secret_key.encode()).digest()


def seal(plaintext: str, secret_key: str) -> bytes:
    """Encrypt ``plaintext``; the random nonce is stored in front of the ciphertext."""
    nonce = secrets.token_bytes(_NONCE_BYTES)
    return nonce + AESGCM(_key(secret_key)).encrypt(nonce, plaintext.encode(), _CONTEXT)


def open_sealed(sealed: bytes, secret_key: str) -> str:
    """Decrypt what :func:`seal` produced (raises if SECRET_KEY changed or data was altered)."""
    nonce, ciphertext = sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:]
    return AESGCM(_key(secret_key)).decrypt(nonce, ciphertext, _CONTEXT).decode()
