"""The technicians' PIN as the configuration holds it: PBKDF2-SHA256 with a random salt.

A PIN is 4-12 digits, so its hash cannot resist an offline guesser for long whatever the
cost; the cost buys time for the lockout and the PIN's rotation to matter. A hash cheaper
than MIN_PIN_ITERATIONS is refused when the configuration loads, as is any malformed one.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

PIN_ITERATIONS = 200_000  # what `kiosk config pin-hash` uses
MIN_PIN_ITERATIONS = 100_000
_FORMAT = re.compile(r"pbkdf2_sha256\$([1-9][0-9]{0,9})\$([0-9a-f]{32,128})\$([0-9a-f]{64})", re.ASCII)


def hash_pin(pin: str, *, iterations: int = PIN_ITERATIONS, salt: bytes | None = None) -> str:
    """The config's `diagnostics.pin_hash` for `pin`: "pbkdf2_sha256$<iterations>$<salt>$<hash>"."""
    if not (pin.isascii() and pin.isdigit() and 4 <= len(pin) <= 12):
        raise ValueError("a PIN is 4 to 12 digits")
    if iterations < MIN_PIN_ITERATIONS:
        raise ValueError(f"a PIN hash takes at least {MIN_PIN_ITERATIONS} iterations")
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", pin.encode(), salt, iterations)
    return f"pbkdf2_sha256${iterations}${salt.hex()}${digest.hex()}"


def pin_hash_problem(value: str) -> str | None:
    """Why `value` is not a PIN hash the kiosk accepts, or None."""
    match = _FORMAT.fullmatch(value)
    if match is None:
        return "must be pbkdf2_sha256$<iterations>$<salt hex, 16-64 bytes>$<sha256 hex> (`kiosk config pin-hash`)"
    if int(match.group(1)) < MIN_PIN_ITERATIONS:
        return f"iterations {match.group(1)} is below the minimum {MIN_PIN_ITERATIONS}: make a new one with `kiosk config pin-hash`"
    return None


def pin_matches(pin: str, pin_hash: str) -> bool:
    _scheme, iterations, salt, expected = pin_hash.split("$")
    digest = hashlib.pbkdf2_hmac("sha256", pin.encode(), bytes.fromhex(salt), int(iterations))
    return hmac.compare_digest(digest.hex(), expected)
