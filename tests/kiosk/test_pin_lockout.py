"""The technicians' PIN: its lockout survives a restart and grows with each lockout, and a
PIN hash too cheap to slow a guesser down is refused when the configuration loads (a lockout
in memory was cleared by a restart, and a 1-iteration hash was accepted)."""

from __future__ import annotations

import os
import stat

import pytest
from pydantic import ValidationError

from kiosk.config import DiagnosticsConfig
from kiosk.diagnostics import PinLock
from kiosk.pin import CHEAPEST, MIN_MEMORY_KIB, MIN_PIN_ITERATIONS, hash_pin, hash_pin_pbkdf2, pin_matches

PIN = "2468"
HASH = hash_pin(PIN, **CHEAPEST)


class Clock:
    def __init__(self):
        self.now = 1_800_000_000.0

    def __call__(self):
        return self.now


def _lock(tmp_path, clock, **options) -> PinLock:
    config = DiagnosticsConfig(pin_hash=HASH, lockout_failures=3, lockout_s=60, **options)
    return PinLock(config, state_path=tmp_path / "diagnostics-lock.json", clock=clock)


def test_a_restart_does_not_clear_the_lockout(tmp_path):
    clock = Clock()
    lock = _lock(tmp_path, clock)
    for wrong in ("1111", "2222", "3333"):
        assert not lock.check(wrong)
    assert lock.locked_for() == 60
    restarted = _lock(tmp_path, clock)
    assert restarted.locked_for() == 60
    assert not restarted.check(PIN)


def test_failures_short_of_a_lockout_survive_a_restart_too(tmp_path):
    clock = Clock()
    lock = _lock(tmp_path, clock)
    assert not lock.check("1111") and not lock.check("2222")
    restarted = _lock(tmp_path, clock)
    assert not restarted.check("3333")
    assert restarted.locked_for() == 60


def test_each_lockout_is_longer_until_the_right_pin(tmp_path):
    clock = Clock()
    lock = _lock(tmp_path, clock)
    waits = []
    for _ in range(4):
        for wrong in ("1111", "2222", "3333"):
            lock.check(wrong)
        waits.append(lock.locked_for())
        clock.now += lock.locked_for() + 1
    assert waits == [60, 120, 240, 480]
    assert lock.check(PIN)
    for wrong in ("1111", "2222", "3333"):
        lock.check(wrong)
    assert lock.locked_for() == 60  # the right PIN starts the ladder again


def test_the_lockout_is_capped(tmp_path):
    clock = Clock()
    lock = _lock(tmp_path, clock)
    for _ in range(20):
        for wrong in ("1111", "2222", "3333"):
            lock.check(wrong)
        assert lock.locked_for() <= 86400
        clock.now += lock.locked_for() + 1


def test_the_state_file_is_private_and_holds_no_pin(tmp_path):
    lock = _lock(tmp_path, Clock())
    lock.check("1357")
    path = tmp_path / "diagnostics-lock.json"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert "1357" not in path.read_text() and HASH not in path.read_text()


def test_an_unreadable_state_file_locks(tmp_path):
    (tmp_path / "diagnostics-lock.json").write_text("{not json")
    lock = _lock(tmp_path, Clock())
    assert lock.locked_for() == 60 and not lock.check(PIN)


@pytest.mark.parametrize("iterations", [1, 1000, MIN_PIN_ITERATIONS - 1])
def test_a_cheap_pin_hash_is_refused_at_config_load(iterations):
    import hashlib

    digest = hashlib.pbkdf2_hmac("sha256", PIN.encode(), b"\x00" * 16, iterations).hex()
    with pytest.raises(ValidationError, match="iterations"):
        DiagnosticsConfig(pin_hash=f"pbkdf2_sha256${iterations}${'00' * 16}${digest}")
    with pytest.raises(ValueError):
        hash_pin_pbkdf2(PIN, iterations=iterations)


@pytest.mark.parametrize("value", [
    f"pbkdf2_sha256${MIN_PIN_ITERATIONS}$00${'ab' * 32}",  # a 1-byte salt
    f"pbkdf2_sha256${MIN_PIN_ITERATIONS}${'00' * 16}$abcd",  # a truncated digest
    f"pbkdf2_sha256$0{MIN_PIN_ITERATIONS}${'00' * 16}${'ab' * 32}\n",
])
def test_a_malformed_pin_hash_is_refused(value):
    with pytest.raises(ValidationError):
        DiagnosticsConfig(pin_hash=value)


def test_the_configured_hash_still_loads_and_is_argon2id():
    assert DiagnosticsConfig(pin_hash=hash_pin(PIN)).pin_hash.startswith("$argon2id$v=19$m=65536,t=3,p=1$")


def test_an_old_pbkdf2_hash_keeps_working():
    old = hash_pin_pbkdf2(PIN, iterations=MIN_PIN_ITERATIONS)
    assert DiagnosticsConfig(pin_hash=old).pin_hash == old
    assert pin_matches(PIN, old) and not pin_matches("1357", old)


def test_an_argon2id_hash_is_checked():
    assert pin_matches(PIN, HASH) and not pin_matches("1357", HASH)


@pytest.mark.parametrize("cost", [{"time_cost": 1, "memory_kib": 65_536}, {"time_cost": 3, "memory_kib": 8}])
def test_a_cheap_argon2id_hash_is_refused_at_config_load(cost):
    from argon2 import PasswordHasher

    cheap = PasswordHasher(time_cost=cost["time_cost"], memory_cost=cost["memory_kib"], parallelism=1).hash(PIN)
    with pytest.raises(ValidationError, match="below the minimum"):
        DiagnosticsConfig(pin_hash=cheap)
    with pytest.raises(ValueError):
        hash_pin(PIN, **cost)


def test_argon2i_is_refused():
    from argon2 import PasswordHasher, Type

    with pytest.raises(ValidationError):
        DiagnosticsConfig(pin_hash=PasswordHasher(memory_cost=MIN_MEMORY_KIB, type=Type.I).hash(PIN))


def test_kiosk_config_pin_hash_prints_an_argon2id_hash():
    from click.testing import CliRunner

    from kiosk.cli import cli

    result = CliRunner().invoke(cli, ["config", "pin-hash", "--pin", PIN])
    assert result.exit_code == 0, result.output
    printed = result.output.strip()
    assert printed.startswith("$argon2id$v=19$m=65536,t=3,p=1$") and pin_matches(PIN, printed)
    assert DiagnosticsConfig(pin_hash=printed)
