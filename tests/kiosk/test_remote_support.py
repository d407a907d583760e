"""Support's requests on a kiosk core without a screen: a real core on the demo's emulators and
its real central on 127.0.0.1. A screenshot is refused ("no_screen"); a bundle asked for during
a visit waits for it to end, then goes up over signed HTTP with nothing of the citizen in it."""

from __future__ import annotations

import io
import json
import logging
import re
import tarfile

import pytest
from sqlalchemy import select

from central import remote
from central.db import create_engine_for, heartbeats, remote_requests
from central.stats import audit as central_audit
from drivers.idcard.demo_cards import load_demo_card
from kiosk.core import KioskCore
from kiosk.demo_env import DemoEnvironment
from support.bundles import assert_overview_and_self_tests
from support.kiosk_core import kiosk_log_file, until

ID_NUMBER = re.compile(r"(?<![0-9a-fA-F])\d{17}[\dXx](?![0-9a-fA-F])")
PHONE = re.compile(r"(?<![0-9a-fA-F])1[3-9]\d{9}(?![0-9a-fA-F])")


@pytest.fixture
def env(tmp_path):
    with DemoEnvironment(tmp_path, overrides={"central.heartbeat_s": 1, "speech.enabled": False}) as started:
        yield started


@pytest.fixture
def core(env):
    core = KioskCore(env.config).start(ticker=False)
    try:
        yield core
    finally:
        core.stop()


@pytest.fixture
def engine(env):
    engine = create_engine_for(env.central.database_url)
    yield engine
    engine.dispose()


def ask(engine, kiosk_id: str, kind: str) -> str:
    with engine.begin() as conn:
        return remote.request(conn, kiosk_id, kind, "sue")


def state(engine, request_id: str):
    with engine.connect() as conn:
        return conn.execute(select(remote_requests).where(remote_requests.c.request_id == request_id)).first()


def heartbeat_at(engine, kiosk_id: str) -> float:
    with engine.connect() as conn:
        return conn.execute(select(heartbeats.c.received_at).where(heartbeats.c.kiosk_id == kiosk_id)).scalar() or 0.0


def test_a_kiosk_without_a_screen_refuses_a_screenshot(env, core, engine):
    request_id = ask(engine, env.config.kiosk.id, "screenshot")
    until(lambda: state(engine, request_id).state == "refused", what="the refusal")
    assert state(engine, request_id).reason == "no_screen"
    until(lambda: len(core.audit.entries()) == 2, what="the kiosk's audit of its refusal")  # written after answering
    assert [(e["action"], e["outcome"], e["detail"].get("reason")) for e in core.audit.entries()] == [
        ("remote_screenshot", "received", None), ("remote_screenshot", "refused", "no_screen")]


def test_a_bundle_asked_for_during_a_visit_waits_for_it_and_holds_nothing_of_the_citizen(env, core, engine):
    card = load_demo_card("zhang-wei")
    name = card.name  # the card is wiped with the visit
    assert name
    core.self_tests.run("printer", "technician")  # an earlier technician's test: support sees its result
    with kiosk_log_file(env.config):
        core.session.touch()
        core.session.visit.card = card  # the holder's name is masked while the visit lasts
        logging.getLogger("kiosk.test").warning("read %s %s, phone 13812345678", card.name, card.id_number)
        request_id = ask(engine, env.config.kiosk.id, "bundle")
        until(lambda: any(e["action"] == "remote_bundle" for e in core.audit.entries()), what="the request heard")
        last = heartbeat_at(engine, env.config.kiosk.id)  # another heartbeat: the visit goes on, the bundle waits
        until(lambda: heartbeat_at(engine, env.config.kiosk.id) > last, what="the next heartbeat")
        assert state(engine, request_id).state == "sent" and core.remote.pending()
        core.session.cancel()
        until(lambda: state(engine, request_id).state == "done", what="the upload")
    done = state(engine, request_id)
    assert done.content_type == "application/gzip" and done.size == len(done.content)
    with tarfile.open(fileobj=io.BytesIO(bytes(done.content)), mode="r:gz") as tar:
        names = [m.name.split("/", 1)[1] for m in tar.getmembers()]
        assert {"manifest.json", "queue.json", "audit.jsonl", "snapshot.json", "self_tests.json",
                "logs/kiosk.log"} <= set(names)
        for member in tar.getmembers():
            text = tar.extractfile(member).read().decode("utf-8")
            assert not ID_NUMBER.search(text) and not PHONE.search(text), member.name
            assert name not in text, member.name
            if member.name.endswith("manifest.json"):
                assert json.loads(text)["kiosk_id"] == env.config.kiosk.id
    snapshot = assert_overview_and_self_tests(bytes(done.content), tested="printer")
    assert snapshot["devices"]["printer"]["since_start"]["pages_printed"] == 1 and snapshot["self_tests"]
    assert not list(env.config.data_path("remote").iterdir())  # the bundle's file is gone from the kiosk
    # The kiosk audits the upload once central has answered it: wake the sync after that entry
    # (an idle worker looks again only every 30 s).
    until(lambda: any(e["outcome"] == "done" and e["detail"].get("request") == request_id
                      for e in core.audit.entries()), what="the kiosk's audit of the upload")
    core.sync.wake()
    until(lambda: [e["outcome"] for e in central_audit(env.central.database_url, kiosk_id=env.config.kiosk.id)
                   if e["detail"].get("request") == request_id] == ["done", "received"], what="the audit at central")
