"""verify_notification refuses tampered, old, replayed and unsigned notifications."""

from __future__ import annotations

import json

import pytest

from central.payments.notification import (
    NONCE, SIGNATURE, TIMESTAMP, BadNotification, NotificationVerifier, signed_headers,
)
from central.payments.provider import SimulatorProvider

KEY = b"shared-key"
BODY = json.dumps({"order_id": "o-1", "provider_ref": "SIM1", "state": "paid", "paid_fen": 1500,
                   "paid_at": "2026-01-01T10:00:00+00:00"}).encode()


class Clock:
    def __init__(self, now: float = 1_800_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_a_good_notification_is_believed():
    clock = Clock()
    note = NotificationVerifier(KEY, clock=clock).verify(signed_headers(KEY, BODY, now=clock.now), BODY)
    assert (note.order_id, note.state, note.paid_fen) == ("o-1", "paid", 1500)


def test_headers_are_matched_without_regard_to_case():
    clock = Clock()
    headers = {k.lower(): v for k, v in signed_headers(KEY, BODY, now=clock.now).items()}
    assert NotificationVerifier(KEY, clock=clock).verify(headers, BODY).order_id == "o-1"


def test_a_tampered_body_is_refused():
    clock = Clock()
    headers = signed_headers(KEY, BODY, now=clock.now)
    with pytest.raises(BadNotification, match="signature"):
        NotificationVerifier(KEY, clock=clock).verify(headers, BODY.replace(b"1500", b"9500"))


def test_a_tampered_timestamp_or_nonce_is_refused():
    clock = Clock()
    verifier = NotificationVerifier(KEY, clock=clock)
    headers = signed_headers(KEY, BODY, now=clock.now)
    for name, value in ((TIMESTAMP, str(int(clock.now) + 1)), (NONCE, "other")):
        with pytest.raises(BadNotification, match="signature"):
            verifier.verify({**headers, name: value}, BODY)


def test_another_key_is_refused():
    clock = Clock()
    with pytest.raises(BadNotification, match="signature"):
        NotificationVerifier(KEY, clock=clock).verify(signed_headers(b"other-key", BODY, now=clock.now), BODY)


@pytest.mark.parametrize("skew", [-301, 301, -10_000])
def test_an_old_or_future_notification_is_refused(skew):
    clock = Clock()
    headers = signed_headers(KEY, BODY, now=clock.now + skew)
    with pytest.raises(BadNotification, match="timestamp"):
        NotificationVerifier(KEY, clock=clock, max_age_s=300).verify(headers, BODY)


def test_at_the_age_limit_it_is_still_believed():
    clock = Clock()
    headers = signed_headers(KEY, BODY, now=clock.now - 300)
    NotificationVerifier(KEY, clock=clock, max_age_s=300).verify(headers, BODY)


def test_a_replayed_notification_is_refused():
    clock = Clock()
    verifier = NotificationVerifier(KEY, clock=clock)
    headers = signed_headers(KEY, BODY, now=clock.now)
    verifier.verify(headers, BODY)
    clock.now += 60
    with pytest.raises(BadNotification, match="replay"):
        verifier.verify(headers, BODY)


def test_missing_headers_are_refused():
    clock = Clock()
    headers = signed_headers(KEY, BODY, now=clock.now)
    del headers[SIGNATURE]
    with pytest.raises(BadNotification, match="lacks"):
        NotificationVerifier(KEY, clock=clock).verify(headers, BODY)


@pytest.mark.parametrize("paid_fen", [15.0, True, "1500"])
def test_a_signed_body_with_a_non_integer_amount_is_refused(paid_fen):
    clock = Clock()
    body = json.dumps({**json.loads(BODY), "paid_fen": paid_fen}).encode()
    with pytest.raises(BadNotification, match="not a payment notification"):
        NotificationVerifier(KEY, clock=clock).verify(signed_headers(KEY, body, now=clock.now), body)


def test_simulator_notification_replayed_to_the_provider_is_refused(provider, control, receiver):
    from datetime import UTC, datetime, timedelta

    provider.create_order("o-r", 1500, "签注", datetime.now(UTC) + timedelta(minutes=2))
    control.post("/pay", json={"order_id": "o-r"}).raise_for_status()
    headers, body = receiver.next()
    provider.verify_notification(headers, body)
    with pytest.raises(BadNotification, match="replay"):
        provider.verify_notification(headers, body)


def test_simulator_notification_checked_with_the_wrong_key_is_refused(simulator, control, receiver):
    from datetime import UTC, datetime, timedelta

    with SimulatorProvider(simulator.url, b"not-the-key") as provider:
        provider.create_order("o-k", 1500, "签注", datetime.now(UTC) + timedelta(minutes=2))
        control.post("/pay", json={"order_id": "o-k"}).raise_for_status()
        with pytest.raises(BadNotification, match="signature"):
            provider.verify_notification(*receiver.next())
