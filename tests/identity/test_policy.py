"""The identity policy: retries, fallback to fingerprint, the daily lockout per card, kept in
real SQLite under a keyed hash of the ID number."""

from __future__ import annotations

from datetime import date

from kiosk.config import IdentityConfig
from kiosk.identity.policy import FailureLog, IdentityPolicy, message
from kiosk.texts import codes, translation

CARD = "11010519491231002X"
OTHER_CARD = "440524188001010014"


def _policy(tmp_path, day=date(2026, 11, 23), **config):
    today = {"value": day}
    failures = FailureLog(tmp_path, today=lambda: today["value"])
    return IdentityPolicy(IdentityConfig(**config), failures), today


def test_face_retries_then_falls_back_to_fingerprint_then_refuses(tmp_path):
    policy, _ = _policy(tmp_path, max_attempts=2, lockout_failures_per_day=10)
    check = policy.begin("no_criminal_record", CARD)
    assert (check.first.method, check.first.message) == ("face", "identity_start_face")
    assert check.after("liveness_failed").action == "retry"
    step = check.after("no_match")
    assert (step.action, step.method, step.message) == ("fallback", "fingerprint", "identity_use_fingerprint")
    assert check.after("no_match").message == "identity_retry_fingerprint"
    step = check.after("no_match")
    assert (step.action, step.message) == ("refused", "identity_failed") and check.method is None


def test_match_verifies_and_methods_follow_the_service(tmp_path):
    policy, _ = _policy(tmp_path, methods={"passport": ["fingerprint"]})
    assert policy.begin("passport", CARD).first.method == "fingerprint"
    check = policy.begin("no_criminal_record", CARD)
    assert check.after("match").action == "verified"


def test_lockout_after_n_failures_per_card_per_day(tmp_path):
    policy, today = _policy(tmp_path, max_attempts=5, lockout_failures_per_day=3)
    check = policy.begin("no_criminal_record", CARD)
    assert [check.after("no_match").action for _ in range(2)] == ["retry", "retry"]
    assert check.after("no_face").action == "retry"  # standing badly is no sign of an impostor
    assert check.after("liveness_failed").action == "locked"
    # A new visit with the same card the same day is refused at once; another card is not.
    assert policy.begin("no_criminal_record", CARD).first.action == "locked"
    assert policy.begin("no_criminal_record", OTHER_CARD).first.action == "start"
    # The count survives a restart of the kiosk (a new FailureLog on the same directory).
    reopened = IdentityPolicy(IdentityConfig(lockout_failures_per_day=3), FailureLog(tmp_path, today=lambda: today["value"]))
    assert reopened.begin("no_criminal_record", CARD).first.action == "locked"
    today["value"] = date(2026, 11, 24)
    assert policy.begin("no_criminal_record", CARD).first.action == "start"


def test_the_id_number_is_never_stored(tmp_path):
    policy, _ = _policy(tmp_path, lockout_failures_per_day=9)
    policy.begin("no_criminal_record", CARD).after("no_match")
    for path in tmp_path.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert CARD.encode() not in data and CARD[:17].encode() not in data, path
    assert (tmp_path / "keys" / "identity.key").stat().st_mode & 0o077 == 0


def test_every_message_the_policy_gives_has_chinese_and_english(tmp_path):
    said = set()
    for methods, decisions in ((["face", "fingerprint"], ["liveness_failed", "no_match", "no_match", "no_match"]),
                               (["fingerprint", "face"], ["no_match", "error", "match"]),
                               (["face"], ["error"])):
        policy, _ = _policy(tmp_path / "-".join(methods), max_attempts=2, lockout_failures_per_day=99,
                            methods={"svc": methods})
        check = policy.begin("svc", CARD)
        said.add(check.first.message)
        said.update(check.after(decision).message for decision in decisions)
    locked, _ = _policy(tmp_path / "locked", lockout_failures_per_day=1)
    said.add(locked.begin("svc", CARD).after("no_match").message)
    assert said <= codes("identity") and len(said) >= 8
    for code in said:
        assert message(code, "zh") and translation(code, "en"), code
