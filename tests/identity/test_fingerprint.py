"""Fingerprint verification through the real AS608 driver and its emulator on a pty."""

from __future__ import annotations

import pytest

from drivers.emulation.pty import PtyEndpoint
from drivers.fingerprint import demo_fingers
from drivers.fingerprint.emulator import As608Emulator
from drivers.registry import open_device
from kiosk.identity.fingerprint import verify_finger

CITIZEN, SOMEONE_ELSE = "zhang-wei-right-index", "li-na-right-index"


@pytest.fixture
def module():
    emulator = As608Emulator()
    with PtyEndpoint(emulator) as endpoint:
        reader = open_device(f"as608://{endpoint.path}?timeout=2")
        try:
            yield emulator, reader
        finally:
            reader.close()


@pytest.fixture
def card_template():
    # Stands in for the card's fingerprint block: reading the card's own template format needs
    # the licensed decoder; a press of the same demo finger is what the module compares.
    return demo_fingers.press(CITIZEN, 99)


def test_the_card_holders_finger_matches(module, card_template):
    emulator, reader = module
    emulator.place_finger(CITIZEN)
    decision = verify_finger(reader, template=card_template, timeout_s=5)
    assert decision.decision == "match" and decision.score >= demo_fingers.MATCH_THRESHOLD
    assert decision.record() == {"method": "fingerprint", "decision": "match", "score": decision.score,
                                 "at": decision.decided_at}


def test_another_finger_does_not_match(module, card_template):
    emulator, reader = module
    emulator.place_finger(SOMEONE_ELSE)
    decision = verify_finger(reader, template=card_template, timeout_s=5)
    assert decision.decision == "no_match" and decision.score < demo_fingers.MATCH_THRESHOLD


def test_no_finger_is_its_own_decision(module, card_template):
    _, reader = module
    decision = verify_finger(reader, template=card_template, timeout_s=1)
    assert decision.decision == "no_finger" and decision.score is None


def test_an_enrolled_finger_is_found_on_its_page_only(module):
    emulator, reader = module
    emulator.enroll(CITIZEN, 7)
    emulator.enroll(SOMEONE_ELSE, 8)
    emulator.place_finger(CITIZEN)
    assert verify_finger(reader, enrolled_page=7, timeout_s=5).decision == "match"
    assert verify_finger(reader, enrolled_page=8, timeout_s=5).decision == "no_match"


def test_a_wet_finger_asks_again(module, card_template):
    emulator, reader = module
    emulator.place_finger(CITIZEN)
    emulator.set_fault("wet_finger", 1)
    decision = verify_finger(reader, template=card_template, timeout_s=5)
    assert decision.decision == "poor_quality" and decision.reason


def test_face_failure_falls_back_to_the_finger(module, card_template, tmp_path):
    from kiosk.config import IdentityConfig
    from kiosk.identity.policy import FailureLog, IdentityPolicy

    emulator, reader = module
    check = IdentityPolicy(IdentityConfig(max_attempts=1), FailureLog(tmp_path)).begin("any", "11010519491231002X")
    step = check.after("liveness_failed")
    assert (step.action, step.method) == ("fallback", "fingerprint")
    emulator.place_finger(CITIZEN)
    assert check.after(verify_finger(reader, template=card_template, timeout_s=5).decision).action == "verified"
