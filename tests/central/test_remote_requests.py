"""Support's screenshot and bundle requests at central: the table on a real database, the kiosk's
side over real signed HTTP (heartbeat answer, upload, refusal, the body limit), and the fleet
page's routes with a real operator's session."""

from __future__ import annotations

import gzip
import re

import httpx
import pytest
from sqlalchemy import select

from central import remote
from central.db import create_engine_for, enrol_kiosk, operator_audit
from central.operators import add_operator
from kiosk.central_client import CentralRejected

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
BUNDLE = gzip.compress(b"kiosk-K-1/manifest.json")
PASSWORD = "correct horse 1"


@pytest.fixture
def engine(tmp_path):
    engine = create_engine_for(str(tmp_path / "central.db"))
    for kiosk_id in ("K-1", "K-2"):
        enrol_kiosk(engine, kiosk_id)
    yield engine
    engine.dispose()


def actions(conn) -> list[tuple[str, str]]:
    rows = conn.execute(select(operator_audit.c.operator, operator_audit.c.action).order_by(operator_audit.c.id))
    return [tuple(row) for row in rows if row.action.startswith("remote_")]


def test_a_request_is_told_to_its_kiosk_until_answered_and_every_step_is_audited(engine):
    with engine.begin() as conn:
        asked = remote.request(conn, "K-1", "screenshot", "sue", now=1000.0)
        assert remote.heard(conn, "K-2", now=1001.0) == []
        told = remote.heard(conn, "K-1", now=1001.0)
        assert told == [{"id": asked, "kind": "screenshot", "by": "sue"}]
        assert remote.heard(conn, "K-1", now=1060.0) == told  # the first answer may have been lost
        assert remote.for_kiosk(conn, "K-1", now=1060.0)[0]["state"] == "sent"
        with pytest.raises(remote.RemoteError) as other:  # another kiosk cannot answer it
            remote.answer(conn, "K-2", asked, content_type="image/png", content=PNG, now=1070.0)
        assert other.value.status == 404
        remote.answer(conn, "K-1", asked, content_type="image/png", content=PNG, now=1070.0)
        assert remote.heard(conn, "K-1", now=1080.0) == []
        assert remote.content(conn, "K-1", asked) == ("screenshot", "image/png", PNG)
        assert remote.content(conn, "K-2", asked) is None
        with pytest.raises(remote.RemoteError) as twice:
            remote.answer(conn, "K-1", asked, refused="visit_in_progress", now=1090.0)
        assert twice.value.status == 409
        assert actions(conn) == [("sue", "remote_requested"), (remote.KIOSK_ACTOR, "remote_sent"),
                                 (remote.KIOSK_ACTOR, "remote_uploaded")]


def test_the_upload_must_be_what_was_asked_for(engine):
    with engine.begin() as conn:
        shot = remote.request(conn, "K-1", "screenshot", "sue", now=1000.0)
        bundle = remote.request(conn, "K-1", "bundle", "sue", now=1000.0)
        for request_id, content_type, content, status in [
                (shot, "application/gzip", BUNDLE, 415), (shot, "image/png", b"<html>", 422),
                (bundle, "image/png", PNG, 415), (bundle, "application/gzip", b"not gzip", 422)]:
            with pytest.raises(remote.RemoteError) as refused:
                remote.answer(conn, "K-1", request_id, content_type=content_type, content=content, now=1001.0)
            assert refused.value.status == status
        remote.answer(conn, "K-1", bundle, content_type="application/gzip", content=BUNDLE, now=1001.0)
        remote.answer(conn, "K-1", shot, refused="visit_in_progress", now=1001.0)
        states = {r["id"]: (r["state"], r["reason"], r["size"]) for r in remote.for_kiosk(conn, "K-1", now=1002.0)}
        assert states == {shot: ("refused", "visit_in_progress", None), bundle: ("done", None, len(BUNDLE))}
        with pytest.raises(remote.RemoteError):
            remote.request(conn, "K-1", "video", "sue")


def test_an_unanswered_request_expires_and_a_kiosk_has_only_a_few_waiting(engine):
    with engine.begin() as conn:
        old = remote.request(conn, "K-1", "bundle", "sue", now=1000.0)
        later = 1000.0 + remote.TTL_S + 1
        assert remote.heard(conn, "K-1", now=later) == []
        assert remote.for_kiosk(conn, "K-1", now=later)[0]["state"] == "expired"
        with pytest.raises(remote.RemoteError, match="expired"):
            remote.answer(conn, "K-1", old, content_type="application/gzip", content=BUNDLE, now=later)
        for _ in range(remote.MAX_OPEN):
            remote.request(conn, "K-1", "screenshot", "sue", now=later)
        with pytest.raises(remote.RemoteError) as full:
            remote.request(conn, "K-1", "screenshot", "sue", now=later)
        assert full.value.status == 409


def test_what_a_kiosk_uploaded_is_dropped_once_a_week_old(engine):
    with engine.begin() as conn:
        shot = remote.request(conn, "K-1", "screenshot", "sue", now=1000.0)
        remote.answer(conn, "K-1", shot, content_type="image/png", content=PNG, now=1001.0)
        remote.request(conn, "K-2", "bundle", "sue", now=1000.0 + remote.RETAIN_S - 1)
        assert remote.content(conn, "K-1", shot) is not None
        remote.request(conn, "K-2", "bundle", "sue", now=1001.0 + remote.RETAIN_S)
        assert remote.content(conn, "K-1", shot) is None


def test_the_kiosk_hears_of_it_in_its_heartbeat_and_uploads_over_signed_http(central, enrolled):
    client = enrolled("K-1")
    intruder = enrolled("K-2")
    assert "remote_requests" not in client.heartbeat({})
    engine = create_engine_for(central.database_url)
    with engine.begin() as conn:
        shot = remote.request(conn, "K-1", "screenshot", "sue")
        bundle = remote.request(conn, "K-1", "bundle", "sue")
    told = client.heartbeat({})["remote_requests"]
    assert [(r["id"], r["kind"], r["by"]) for r in told] == [(shot, "screenshot", "sue"), (bundle, "bundle", "sue")]
    with pytest.raises(CentralRejected) as foreign:
        intruder.remote_result(shot, "image/png", PNG)
    assert foreign.value.status == 404
    with pytest.raises(CentralRejected) as wrong:
        client.remote_result(shot, "text/html", b"<html>")
    assert wrong.value.status == 415
    assert client.remote_result(shot, "image/png", PNG) == {"request": shot, "state": "done"}
    with pytest.raises(CentralRejected) as unknown_reason:
        client.remote_refused(bundle, "Not A Code")
    assert unknown_reason.value.status == 422
    assert client.remote_refused(bundle, "visit_in_progress")["state"] == "refused"
    assert "remote_requests" not in client.heartbeat({})
    with engine.begin() as conn:
        assert remote.content(conn, "K-1", shot)[2] == PNG
    engine.dispose()


def test_uploads_have_a_limit_of_their_own(central, enrolled):
    client = enrolled("K-1")
    engine = create_engine_for(central.database_url)
    with engine.begin() as conn:
        big = remote.request(conn, "K-1", "bundle", "sue")
        huge = remote.request(conn, "K-1", "bundle", "sue")
    engine.dispose()
    # 5 MiB is taken on this path, far over the 64 KiB of most others; a byte more is not.
    near_limit = b"\x1f\x8b" + b"\x00" * (remote.MAX_UPLOAD - 2)
    assert client.remote_result(big, "application/gzip", near_limit)["state"] == "done"
    with pytest.raises(CentralRejected) as over:
        client.remote_result(huge, "application/gzip", near_limit + b"\x00")
    assert over.value.status == 413
    with pytest.raises(CentralRejected) as heartbeat:  # the heartbeat's own limit is unchanged
        client.heartbeat({"padding": "x" * 70_000})
    assert heartbeat.value.status == 413


def log_in(url: str, operator: str) -> tuple[httpx.Client, str]:
    http = httpx.Client(base_url=url)
    form = http.get("/fleet/login")
    token = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)
    page = http.post("/fleet/login", data={"operator": operator, "password": PASSWORD, "csrf": token},
                     follow_redirects=True)
    assert page.url.path == "/fleet"
    return http, re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)


def test_only_support_and_above_may_ask_look_and_download(central, enrolled):
    enrolled("K-1").heartbeat({})
    engine = create_engine_for(central.database_url)
    add_operator(engine, "vic", "Vic Wang", "viewer", PASSWORD)
    add_operator(engine, "sue", "Sue Ma", "support", PASSWORD)
    add_operator(engine, "pat", "Pat Wu", "publisher", PASSWORD)

    viewer, csrf = log_in(central.url, "vic")
    assert "Request a screenshot" not in viewer.get("/fleet/kiosks/K-1").text
    refused = viewer.post("/fleet/kiosks/K-1/remote/screenshot", data={"csrf": csrf})
    assert refused.status_code == 403 and "support" in refused.text

    support, csrf = log_in(central.url, "sue")
    assert "Request a screenshot" in support.get("/fleet/kiosks/K-1").text
    assert support.post("/fleet/kiosks/K-1/remote/screenshot", data={"csrf": "forged"}).status_code == 403
    assert support.post("/fleet/kiosks/K-9/remote/screenshot", data={"csrf": csrf}).status_code == 404
    asked = support.post("/fleet/kiosks/K-1/remote/screenshot", data={"csrf": csrf})
    assert asked.status_code == 303
    request_id = asked.headers["location"].rsplit("/", 1)[1]
    follow = support.get(asked.headers["location"])
    assert 'http-equiv="refresh"' in follow.text and "pending" in follow.text
    assert support.get(f"{asked.headers['location']}/content").status_code == 404  # nothing yet
    with engine.begin() as conn:
        remote.answer(conn, "K-1", request_id, content_type="image/png", content=PNG)

    for http in (viewer, support):
        answer = http.get(f"/fleet/kiosks/K-1/remote/{request_id}/content")
        assert answer.status_code == (403 if http is viewer else 200)
    shown = support.get(f"/fleet/kiosks/K-1/remote/{request_id}/content")
    assert shown.content == PNG and shown.headers["content-type"] == "image/png"
    assert shown.headers["cache-control"] == "no-store"
    page = support.get(f"/fleet/kiosks/K-1/remote/{request_id}")
    assert 'id="screenshot"' in page.text and "refresh" not in page.text and "<script" not in page.text

    publisher, csrf = log_in(central.url, "pat")  # the role order: publisher may do what support may
    bundle = publisher.post("/fleet/kiosks/K-1/remote/bundle", data={"csrf": csrf})
    assert bundle.status_code == 303
    with engine.begin() as conn:
        trail = conn.execute(select(operator_audit.c.operator, operator_audit.c.action, operator_audit.c.detail)
                             .order_by(operator_audit.c.id)).all()
    engine.dispose()
    steps = [(who, what) for who, what, _detail in trail if what.startswith("remote_") or what == "refused"]
    assert steps == [("vic", "refused"), ("sue", "remote_requested"), (remote.KIOSK_ACTOR, "remote_uploaded"),
                     ("vic", "refused"), ("sue", "remote_viewed"), ("sue", "remote_viewed"),
                     ("pat", "remote_requested")]
    for http in (viewer, support, publisher):
        http.close()
