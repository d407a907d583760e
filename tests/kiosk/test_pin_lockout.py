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
from kiosk.pin_lock import SITE_ACCOUNT as SITE
from kiosk.pin import CHEAPEST, MIN_MEMORY_KIB, MIN_PIN_ITERATIONS, hash_pin, hash_pin_pbkdf2, pin_matches

PIN = "2468"
HASH = hash_pin(PIN, **CHEAPEST)


class Clock:
    def __init__(self):
        self.now = 1_800_000_000.0

    def __call__(self):
        return self.now


def _lock(tmp_path, clock, **options) -> PinLock:
    options = {"entry_lockout_failures": 1000, "entry_lockout_s": 60, **options}
    config = DiagnosticsConfig(pin_hash=HASH, lockout_failures=3, lockout_s=60, **options)
    return PinLock(config, state_path=tmp_path / "diagnostics-lock.json", clock=clock)


def test_a_restart_does_not_clear_the_lockout(tmp_path):
    clock = Clock()
    lock = _lock(tmp_path, clock)
    for wrong in ("1111", "2222", "3333"):
        assert not lock.check(SITE, wrong)
    assert lock.locked_for(SITE) == 60
    restarted = _lock(tmp_path, clock)
    assert restarted.locked_for(SITE) == 60
    assert not restarted.check(SITE, PIN)


def test_failures_short_of_a_lockout_survive_a_restart_too(tmp_path):
    clock = Clock()
    lock = _lock(tmp_path, clock)
    assert not lock.check(SITE, "1111") and not lock.check(SITE, "2222")
    restarted = _lock(tmp_path, clock)
    assert not restarted.check(SITE, "3333")
    assert restarted.locked_for(SITE) == 60


def test_each_lockout_is_longer_until_the_right_pin(tmp_path):
    clock = Clock()
    lock = _lock(tmp_path, clock)
    waits = []
    for _ in range(4):
        for wrong in ("1111", "2222", "3333"):
            lock.check(SITE, wrong)
        waits.append(lock.locked_for(SITE))
        clock.now += lock.locked_for(SITE) + 1
    assert waits == [60, 120, 240, 480]
    assert lock.check(SITE, PIN)
    for wrong in ("1111", "2222", "3333"):
        lock.check(SITE, wrong)
    assert lock.locked_for(SITE) == 60  # the right PIN starts the ladder again


def test_the_lockout_is_capped(tmp_path):
    clock = Clock()
    lock = _lock(tmp_path, clock)
    for _ in range(20):
        for wrong in ("1111", "2222", "3333"):
            lock.check(SITE, wrong)
        assert lock.locked_for(SITE) <= 86400
        clock.now += lock.locked_for(SITE) + 1


def test_the_state_file_is_private_and_holds_no_pin(tmp_path):
    lock = _lock(tmp_path, Clock())
    lock.check(SITE, "1357")
    path = tmp_path / "diagnostics-lock.json"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert "1357" not in path.read_text() and HASH not in path.read_text()


def test_an_unreadable_state_file_locks(tmp_path):
    (tmp_path / "diagnostics-lock.json").write_text("{not json")
    lock = _lock(tmp_path, Clock())
    assert lock.locked_for(SITE) == 60 and not lock.check(SITE, PIN)


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


# ---- per-account lockouts and the entry's ----------------------------------------------------
WANG, LI = "technician:T-07", "technician:T-09"


def _accounts(tmp_path, clock, **options) -> PinLock:
    technicians = [{"id": "T-07", "name": "王工", "pin_hash": HASH},
                   {"id": "T-09", "name": "李工", "pin_hash": hash_pin("9753", **CHEAPEST)}]
    config = DiagnosticsConfig(pin_hash=HASH, technicians=technicians, lockout_failures=3, lockout_s=60,
                               entry_lockout_failures=5, entry_lockout_s=600, **options)
    return PinLock(config, state_path=tmp_path / "diagnostics-lock.json", clock=clock)


def test_the_accounts_are_the_technicians_then_the_site_pin(tmp_path):
    lock = _accounts(tmp_path, Clock())
    assert [(a.id, a.name) for a in lock.accounts()] == [(WANG, "王工"), (LI, "李工"), (SITE, "现场 PIN / Site PIN")]
    only_technicians = DiagnosticsConfig(technicians=[{"id": "T-07", "name": "王工", "pin_hash": HASH}])
    assert [a.id for a in PinLock(only_technicians).accounts()] == [WANG]


def test_wrong_pins_lock_that_account_only(tmp_path):
    clock = Clock()
    lock = _accounts(tmp_path, clock)
    results = [lock.check(WANG, wrong) for wrong in ("1111", "2222", "3333")]
    assert [r.reason for r in results] == ["wrong_pin"] * 3 and results[-1].locked == "account"
    assert results[-1].locked_for_s == 60 and lock.locked_for(WANG) == 60
    refused = lock.check(WANG, PIN)  # even the right PIN, while the account is locked
    assert not refused and refused.reason == "account_locked"
    assert lock.locked_for(LI) == 0 and lock.check(LI, "9753")  # the other account is not locked
    assert _accounts(tmp_path, clock).locked_for(WANG) == 60  # and a restart keeps it
    clock.now += 61
    assert lock.check(WANG, PIN)


def test_wrong_pins_across_accounts_lock_the_entry(tmp_path):
    clock = Clock()
    lock = _accounts(tmp_path, clock)
    for account, wrong in ((WANG, "1111"), (WANG, "2222"), (LI, "1111"), (LI, "2222")):
        assert lock.check(account, wrong).locked is None  # no account has reached its three
    fifth = lock.check(SITE, "1111")
    assert fifth.reason == "wrong_pin" and fifth.locked == "entry" and fifth.locked_for_s == 600
    for account, pin in ((WANG, PIN), (LI, "9753"), (SITE, PIN)):  # every account, its right PIN
        refused = lock.check(account, pin)
        assert not refused and refused.reason == "entry_locked"
    assert _accounts(tmp_path, clock).entry_locked_for() == 600  # a restart keeps it
    clock.now += 601
    assert lock.check(LI, "9753")


def test_an_account_not_configured_is_refused_and_counts_towards_the_entry_lock(tmp_path):
    lock = _accounts(tmp_path, Clock())
    for _ in range(4):
        assert lock.check("technician:T-01", PIN).reason == "unknown_account"
    assert lock.check("technician:T-01", PIN).locked == "entry"


def test_the_state_file_names_accounts_but_holds_no_pin(tmp_path):
    lock = _accounts(tmp_path, Clock())
    lock.check(WANG, "1357")
    text = (tmp_path / "diagnostics-lock.json").read_text()
    assert WANG in text and "1357" not in text and "$argon2id" not in text


def test_a_lockout_kept_before_accounts_existed_still_locks_the_entry(tmp_path):
    clock = Clock()
    (tmp_path / "diagnostics-lock.json").write_text(
        '{"failures": 0, "lockouts": 1, "locked_until": %f}' % (clock.now + 120))
    lock = _accounts(tmp_path, clock)
    assert lock.entry_locked_for() == 120 and lock.check(WANG, PIN).reason == "entry_locked"
