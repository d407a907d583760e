"""Basic Access Control (ICAO 9303 part 11, section 4.3), without I/O.

The terminal proves it read the document's printed MRZ: both sides derive 3DES keys from the
document number, birth date and expiry (with their check digits), exchange nonces and key
halves encrypted with 3DES-CBC (IV zero) and authenticated with the ISO 9797-1 retail MAC, and
then derive the session keys and send-sequence counter for secure messaging.

The block cipher is the `cryptography` package's; nothing here implements DES itself.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from cryptography.hazmat.primitives.ciphers import Cipher, modes

try:
    from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
except ImportError:  # cryptography < 43 keeps it with the other algorithms
    from cryptography.hazmat.primitives.ciphers.algorithms import TripleDES

from drivers.base import ChecksumError, ProtocolError

BLOCK = 8
ENC_COUNTER = 1
MAC_COUNTER = 2
_ZERO_IV = bytes(BLOCK)


# --- padding, 3DES, retail MAC --------------------------------------------------------------


def pad(data: bytes) -> bytes:
    """ISO 9797-1 padding method 2: 0x80, then zeros up to a whole block."""
    data = data + b"\x80"
    return data + bytes(-len(data) % BLOCK)


def unpad(data: bytes) -> bytes:
    stripped = data.rstrip(b"\x00")
    if not stripped or stripped[-1] != 0x80 or len(data) - len(stripped) >= BLOCK:
        raise ProtocolError("secure messaging: bad padding in decrypted data")
    return stripped[:-1]


def _des3(key: bytes) -> TripleDES:
    """Two-key 3DES (K1, K2, K1); an 8-byte key gives single DES as K, K, K."""
    if len(key) == BLOCK:
        return TripleDES(key * 3)
    return TripleDES(key + key[:BLOCK])


def encrypt(key: bytes, data: bytes) -> bytes:
    """3DES-CBC with a zero IV over whole blocks, as BAC and its secure messaging use it."""
    if len(data) % BLOCK:
        raise ProtocolError(f"3DES input of {len(data)} bytes is not whole blocks")
    return Cipher(_des3(key), modes.CBC(_ZERO_IV)).encryptor().update(data)


def decrypt(key: bytes, data: bytes) -> bytes:
    if len(data) % BLOCK:
        raise ProtocolError(f"3DES ciphertext of {len(data)} bytes is not whole blocks")
    return Cipher(_des3(key), modes.CBC(_ZERO_IV)).decryptor().update(data)


def retail_mac(key: bytes, data: bytes) -> bytes:
    """ISO 9797-1 MAC algorithm 3 with DES over already padded `data`: single-DES CBC with the
    key's first half, then the last block decrypted with the second half and encrypted again."""
    if not data or len(data) % BLOCK:
        raise ProtocolError(f"MAC input of {len(data)} bytes is not whole blocks")
    ka, kb = key[:BLOCK], key[BLOCK:2 * BLOCK]
    chained = Cipher(_des3(ka), modes.CBC(_ZERO_IV)).encryptor().update(data)[-BLOCK:]
    middle = Cipher(_des3(kb), modes.ECB()).decryptor().update(chained)
    return Cipher(_des3(ka), modes.ECB()).encryptor().update(middle)


def mac_matches(key: bytes, data: bytes, mac: bytes) -> bool:
    return hmac.compare_digest(retail_mac(key, data), mac)


# --- keys ---------------------------------------------------------------------------------


def adjust_parity(key: bytes) -> bytes:
    """DES keys carry odd parity in the lowest bit of each byte."""
    return bytes((b & 0xFE) | ((bin(b >> 1).count("1") + 1) & 1) for b in key)


def key_seed(mrz_information: str) -> bytes:
    """Kseed: the first 16 bytes of SHA-1 over document number, birth date and expiry, each
    followed by its check digit (see drivers.pcsc.model.AccessKey)."""
    return hashlib.sha1(mrz_information.encode("ascii")).digest()[:16]


def derive_key(seed: bytes, counter: int) -> bytes:
    """ICAO 9303 part 11, 9.7.1: SHA-1(seed || counter), 16 bytes, parity adjusted."""
    return adjust_parity(hashlib.sha1(seed + counter.to_bytes(4, "big")).digest()[:16])


@dataclass(frozen=True, repr=False)
class Keys:
    """An encryption and a MAC key: BAC's document keys, or the session keys after it."""

    enc: bytes
    mac: bytes

    @classmethod
    def from_seed(cls, seed: bytes) -> "Keys":
        return cls(derive_key(seed, ENC_COUNTER), derive_key(seed, MAC_COUNTER))

    def __repr__(self) -> str:
        return "Keys(<hidden>)"  # keys never go to a log


def document_keys(mrz_information: str) -> Keys:
    return Keys.from_seed(key_seed(mrz_information))


@dataclass(frozen=True, repr=False)
class Session:
    """What a successful BAC leaves both sides: session keys and the initial SSC."""

    keys: Keys
    ssc: int

    def __repr__(self) -> str:
        return "Session(<hidden>)"


def make_session(k_ifd: bytes, k_icc: bytes, rnd_icc: bytes, rnd_ifd: bytes) -> Session:
    seed = bytes(a ^ b for a, b in zip(k_ifd, k_icc))
    ssc = int.from_bytes(rnd_icc[4:8] + rnd_ifd[4:8], "big")
    return Session(Keys.from_seed(seed), ssc)


# --- MUTUAL AUTHENTICATE ------------------------------------------------------------------

NONCE_SIZE = 8
KEY_HALF_SIZE = 16
CRYPTOGRAM_SIZE = 2 * NONCE_SIZE + KEY_HALF_SIZE + BLOCK  # E (32 bytes) || MAC (8 bytes)


def _seal(keys: Keys, plain: bytes) -> bytes:
    cryptogram = encrypt(keys.enc, plain)
    return cryptogram + retail_mac(keys.mac, pad(cryptogram))


def _open(keys: Keys, data: bytes, who: str) -> bytes:
    if len(data) != CRYPTOGRAM_SIZE:
        raise ProtocolError(f"BAC: {who}'s cryptogram has {len(data)} bytes, expected {CRYPTOGRAM_SIZE}")
    cryptogram, mac = data[:-BLOCK], data[-BLOCK:]
    if not mac_matches(keys.mac, pad(cryptogram), mac):
        raise ChecksumError(f"BAC: the {who}'s MAC does not verify")
    return decrypt(keys.enc, cryptogram)


def terminal_cryptogram(keys: Keys, rnd_icc: bytes, rnd_ifd: bytes, k_ifd: bytes) -> bytes:
    """The terminal's MUTUAL AUTHENTICATE data: E(RND.IFD || RND.ICC || K.IFD) || MAC."""
    if len(rnd_icc) != NONCE_SIZE:
        raise ProtocolError(f"BAC: the card's challenge has {len(rnd_icc)} bytes, expected {NONCE_SIZE}")
    return _seal(keys, rnd_ifd + rnd_icc + k_ifd)


def terminal_finish(keys: Keys, answer: bytes, rnd_icc: bytes, rnd_ifd: bytes, k_ifd: bytes) -> Session:
    """Check the card's answer (its MAC, and that it returns our nonce) and derive the session."""
    plain = _open(keys, answer, "card")
    if plain[:NONCE_SIZE] != rnd_icc or plain[NONCE_SIZE:2 * NONCE_SIZE] != rnd_ifd:
        raise ProtocolError("BAC: the card's answer does not return the nonces")
    return make_session(k_ifd, plain[2 * NONCE_SIZE:], rnd_icc, rnd_ifd)


def card_answer(keys: Keys, command: bytes, rnd_icc: bytes, k_icc: bytes) -> tuple[bytes, Session]:
    """The card's side: check the terminal's cryptogram (ChecksumError when its MAC was made
    with other keys), answer E(RND.ICC || RND.IFD || K.ICC) || MAC, and derive the session."""
    plain = _open(keys, command, "terminal")
    rnd_ifd, echoed_icc, k_ifd = plain[:NONCE_SIZE], plain[NONCE_SIZE:2 * NONCE_SIZE], plain[2 * NONCE_SIZE:]
    if echoed_icc != rnd_icc:
        raise ProtocolError("BAC: the terminal's cryptogram does not hold the card's challenge")
    return _seal(keys, rnd_icc + rnd_ifd + k_icc), make_session(k_ifd, k_icc, rnd_icc, rnd_ifd)
