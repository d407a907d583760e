"""Sealed envelopes for the back office: what it needs in full of an application accepted
offline (the applicant's ID number and name), encrypted to the back-office adapter's X25519
public key, so that central stores it but cannot open it; only the adapter, holding the
private key, decrypts it, inside its own process.

An envelope is "x25519v1:" + base64url(ephemeral public key (32) ‖ nonce (12) ‖ ciphertext):
ECDH of a fresh ephemeral key with the recipient's key, HKDF-SHA256 to a ChaCha20-Poly1305
key, and the record's idempotency key as associated data, so an envelope moved to another
record no longer opens.
"""

from __future__ import annotations

import base64
import json
import os
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

PREFIX = "x25519v1:"
_INFO = b"police-kiosk sealed applicant v1"


class Unsealable(ValueError):
    """Not an envelope for this key and this record (tampered, moved, or another key)."""


def _key(shared: bytes, ephemeral: bytes, recipient: bytes) -> bytes:
    return HKDF(hashes.SHA256(), 32, salt=ephemeral + recipient, info=_INFO).derive(shared)


def _raw(public: X25519PublicKey) -> bytes:
    return public.public_bytes(Encoding.Raw, PublicFormat.Raw)


def seal(recipient: bytes, data: dict[str, Any], context: str) -> str:
    """`data` as JSON, sealed to the raw 32-byte X25519 public key `recipient`."""
    ephemeral = X25519PrivateKey.generate()
    ephemeral_raw = _raw(ephemeral.public_key())
    shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(recipient))
    nonce = os.urandom(12)
    box = ChaCha20Poly1305(_key(shared, ephemeral_raw, recipient))
    sealed = box.encrypt(nonce, json.dumps(data, ensure_ascii=False).encode(), context.encode())
    return PREFIX + base64.urlsafe_b64encode(ephemeral_raw + nonce + sealed).decode()


def unseal(private: X25519PrivateKey, envelope: str, context: str) -> dict[str, Any]:
    """What `seal` sealed to `private`'s public key for the same `context`; Unsealable otherwise."""
    try:
        if not envelope.startswith(PREFIX):
            raise ValueError
        raw = base64.urlsafe_b64decode(envelope[len(PREFIX):])
        ephemeral_raw, nonce, sealed = raw[:32], raw[32:44], raw[44:]
        shared = private.exchange(X25519PublicKey.from_public_bytes(ephemeral_raw))
        box = ChaCha20Poly1305(_key(shared, ephemeral_raw, _raw(private.public_key())))
        return json.loads(box.decrypt(nonce, sealed, context.encode()))
    except (InvalidTag, ValueError, TypeError) as exc:
        raise Unsealable("not an envelope this key opens for this record") from exc
