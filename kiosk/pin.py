"""The technicians' PIN as the configuration holds it.

New hashes are argon2id (argon2-cffi) with the explicit cost below; PBKDF2-SHA256 hashes made
before it keep working when they have at least MIN_PIN_ITERATIONS iterations. A PIN is 4-12
digits, so its hash cannot resist an offline guesser for long whatever the cost; the cost buys
time for the lockout and the PIN's rotation to matter. `pin_hash_problem` is the one rule for
what the configuration accepts: a hash cheaper than the minimums, or a malformed one, is
refused when the configuration loads.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from argon2 import PasswordHasher, Type, extract_parameters
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

# What `kiosk config pin-hash` uses: 64 MiB and 3 passes, one lane (a kiosk has few cores and
# checks a PIN rarely; about a tenth of a second on a 2-core kiosk PC).
PIN_TIME_COST = 3
PIN_MEMORY_KIB = 65_536
PIN_PARALLELISM = 1
# Below these an argon2id hash is refused (OWASP's lowest argon2id setting: 19 MiB, 2 passes).
MIN_TIME_COST = 2
MIN_MEMORY_KIB = 19_456
CHEAPEST = {"time_cost": MIN_TIME_COST, "memory_kib": MIN_MEMORY_KIB}  # for tests: accepted, fast

PIN_ITERATIONS = 200_000  # PBKDF2 hashes made before argon2id
MIN_PIN_ITERATIONS = 100_000
_PBKDF2 = re.compile(r"pbkdf2_sha256\$([1-9][0-9]{0,9})\$([0-9a-f]{32,128})\$([0-9a-f]{64})", re.ASCII)
_ARGON2ID = re.compile(r"\$argon2id\$v=19\$m=[0-9]{1,8},t=[0-9]{1,4},p=[0-9]{1,3}\$[A-Za-z0-9+/]{22,86}\$[A-Za-z0-9+/]{43,86}",
                       re.ASCII)
# For the config's schema: either form (the costs are checked by pin_hash_problem).
PIN_HASH_PATTERN = (r"^(pbkdf2_sha256\$[1-9][0-9]{0,9}\$[0-9a-f]{32,128}\$[0-9a-f]{64}"
                    r"|\$argon2id\$v=19\$m=[0-9]{1,8},t=[0-9]{1,4},p=[0-9]{1,3}\$[A-Za-z0-9+/]{22,86}\$[A-Za-z0-9+/]{43,86})$")


def _check_pin_form(pin: str) -> None:
    if not (pin.isascii() and pin.isdigit() and 4 <= len(pin) <= 12):
        raise ValueError("a PIN is 4 to 12 digits")


def hash_pin(pin: str, *, time_cost: int = PIN_TIME_COST, memory_kib: int = PIN_MEMORY_KIB) -> str:
    """The config's `pin_hash` for `pin`: "$argon2id$v=19$m=…,t=…,p=1$<salt>$<hash>"."""
    _check_pin_form(pin)
    if time_cost < MIN_TIME_COST or memory_kib < MIN_MEMORY_KIB:
        raise ValueError(f"an argon2id PIN hash takes at least t={MIN_TIME_COST} and m={MIN_MEMORY_KIB} KiB")
    hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=PIN_PARALLELISM,
                            hash_len=32, salt_len=16, type=Type.ID)
    return hasher.hash(pin)


def hash_pin_pbkdf2(pin: str, *, iterations: int = PIN_ITERATIONS, salt: bytes | None = None) -> str:
    """A PBKDF2 hash as made before argon2id ("pbkdf2_sha256$<iterations>$<salt>$<hash>"),
    for the kiosks whose configs still hold one."""
    _check_pin_form(pin)
    if iterations < MIN_PIN_ITERATIONS:
        raise ValueError(f"a PIN hash takes at least {MIN_PIN_ITERATIONS} iterations")
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", pin.encode(), salt, iterations)
    return f"pbkdf2_sha256${iterations}${salt.hex()}${digest.hex()}"


def pin_hash_problem(value: str) -> str | None:
    """Why `value` is not a PIN hash the kiosk accepts, or None."""
    if value.startswith("$argon2"):
        if _ARGON2ID.fullmatch(value) is None:
            return "must be $argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<hash> (`kiosk config pin-hash`)"
        try:
            cost = extract_parameters(value)
        except InvalidHashError:
            return "an argon2id hash that cannot be read: make a new one with `kiosk config pin-hash`"
        if cost.time_cost < MIN_TIME_COST or cost.memory_cost < MIN_MEMORY_KIB:
            return (f"argon2id cost t={cost.time_cost}, m={cost.memory_cost} KiB is below the minimum "
                    f"t={MIN_TIME_COST}, m={MIN_MEMORY_KIB} KiB: make a new one with `kiosk config pin-hash`")
        return None
    match = _PBKDF2.fullmatch(value)
    if match is None:
        return ("must be an argon2id hash from `kiosk config pin-hash` "
                "(or pbkdf2_sha256$<iterations>$<salt hex, 16-64 bytes>$<sha256 hex>)")
    if int(match.group(1)) < MIN_PIN_ITERATIONS:
        return f"iterations {match.group(1)} is below the minimum {MIN_PIN_ITERATIONS}: make a new one with `kiosk config pin-hash`"
    return None


def pin_matches(pin: str, pin_hash: str) -> bool:
    if pin_hash.startswith("$argon2"):
        try:
            return PasswordHasher().verify(pin_hash, pin)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False
    _scheme, iterations, salt, expected = pin_hash.split("$")
    digest = hashlib.pbkdf2_hmac("sha256", pin.encode(), bytes.fromhex(salt), int(iterations))
    return hmac.compare_digest(digest.hex(), expected)
