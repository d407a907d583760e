"""The technicians' actions that fix things, from the diagnostics mode and from `kiosk diag`,
each on the audit trail that reaches central: a real kiosk core on the demo's emulators, its
real outbox and sync, a real central on 127.0.0.1."""

from __future__ import annotations

import getpass
import json

import pytest
from click.testing import CliRunner

from central.stats import audit as central_audit
from kiosk.audit import AuditTrail
from kiosk.cli import cli
from kiosk.core import KioskCore
from kiosk.demo_env import DemoEnvironment
from kiosk.diagnostics import Diagnostics, hash_pin
from kiosk.pin import CHEAPEST
from offline_queue.outbox import Outbox
from support.bundles import assert_overview_and_self_tests, bundle_members
from support.console import console_config
from support.kiosk_core import kiosk_log_file, until

PIN = "2468"
REFUSED_FOR_GOOD = {"applicant": {"id_number": "123", "name": "x"}}  # central rejects it per item


@pytest.fixture
def env(tmp_path):
    overrides = {"diagnostics.pin_hash": hash_pin(PIN, **CHEAPEST), "speech.enabled": False,
                 "diagnostics.lockout_failures": 2}
    with DemoEnvironment(tmp_path, overrides=overrides) as started:
        yield started


@pytest.fixture
def kiosk(env):
    core = KioskCore(env.config).start(ticker=False)
    diagnostics = Diagnostics(core, emulators={"printer": env.printer})
    try:
        yield core, diagnostics
    finally:
        diagnostics.close()
        core.stop()


def synced(core) -> None:
    core.sync.wake()
    until(lambda: core.outbox.stats()["pending"] == 0 and core.outbox.stats()["in_flight"] == 0, what="the sync")


def a_dead_letter(core) -> str:
    core.outbox.enqueue("visit", "broken-1", REFUSED_FOR_GOOD)
    core.sync.wake()
    until(lambda: core.outbox.dead_letters(), what="central's refusal")
    return "broken-1"


def test_entry_refusals_and_exit_are_audited_and_reach_central(env, kiosk):
    core, diagnostics = kiosk
    assert not diagnostics.enter("technician", "1111")
    assert diagnostics.enter("technician", PIN)
    diagnostics.exit("idle")
    core.session.touch()  # a citizen starts a visit: no entry until it ends
    assert not diagnostics.enter("technician", PIN) and diagnostics.visit_in_progress
    core.session.cancel()
    synced(core)
    entries = central_audit(env.central.database_url, kiosk_id=env.config.kiosk.id)
    steps = [(e["action"], e["outcome"], e["detail"].get("reason")) for e in reversed(entries)]
    assert steps == [("enter", "refused", "wrong_pin"), ("enter", "done", None), ("exit", "done", "idle"),
                     ("enter", "refused", "visit_in_progress")]
    assert {e["actor"] for e in entries} == {"technician"}
    local = [(e["action"], e["outcome"]) for e in diagnostics.audit.entries()]
    assert local == [(a, o) for a, o, _r in steps]


def test_a_dead_letter_is_sent_again_or_discarded_with_a_reason(kiosk):
    core, diagnostics = kiosk
    key = a_dead_letter(core)
    assert diagnostics.retry_dead_letter(key)
    until(lambda: core.outbox.dead_letters(), what="the second refusal")  # central still refuses it
    with pytest.raises(ValueError, match="reason"):
        diagnostics.discard_dead_letter(key, "  ")
    assert diagnostics.discard_dead_letter(key, "test data typed at the factory")
    assert core.outbox.dead_letters() == [] and core.outbox.stats()["discarded"] == 1
    assert not diagnostics.retry_dead_letter(key)  # discarded is final
    actions = [(e["action"], e["outcome"]) for e in diagnostics.audit.entries()]
    assert actions == [("dead_letter_retry", "done"), ("dead_letter_discard", "refused"),
                       ("dead_letter_discard", "done"), ("dead_letter_retry", "not_found")]


def test_out_of_service_shows_the_message_waits_for_a_visit_survives_a_restart_and_is_lifted(env, kiosk):
    core, diagnostics = kiosk
    session = core.session
    session.touch()
    until(lambda: dict((t.id, t.available) for t in session.view().tiles).get("no_criminal_record"))
    session.choose_service("no_criminal_record")
    diagnostics.out_of_service("柜台维修中，请到二楼窗口 Counter upstairs")
    assert session.view().state == "identify"  # a visit under way is not cut short
    session.cancel()
    core.refresh_availability()
    view = until(lambda: (lambda v: v if v.state == "out_of_service" else None)(session.view()), what="suspended")
    assert view.out_of_service_reason == "maintenance" and view.out_of_service_notice.startswith("柜台维修中")
    assert core.heartbeat_status()["maintenance"]["by"] == "technician"
    core.stop()
    again = KioskCore(env.config).start(ticker=False)  # a restart keeps the technician's word
    try:
        assert again.session.view().state == "out_of_service"
        Diagnostics(again).back_in_service()
        assert again.session.view().state == "attract"
    finally:
        again.stop()


def test_a_device_is_reconnected(env, kiosk):
    core, diagnostics = kiosk
    env.printer.set_fault("offline")
    assert diagnostics.self_test("printer")["state"] == "failed"
    env.printer.set_fault(None)
    assert diagnostics.reconnect("printer")["state"] == "online"
    assert diagnostics.audit.entries()[-1]["detail"] == {"device": "printer", "state": "online"}
    with pytest.raises(ValueError):
        diagnostics.reconnect("teleporter")


def test_kiosk_diag_does_the_same_from_the_console(env, kiosk, tmp_path):
    core, _diagnostics = kiosk
    key = a_dead_letter(core)
    config = console_config(env, tmp_path)
    runner = CliRunner()

    def diag(*args):
        return runner.invoke(cli, ["diag", "--config", config, *args], catch_exceptions=False)

    status = diag("status")
    assert status.exit_code == 0 and json.loads(status.output)["dead_letters"][0]["key"] == key
    refused = diag("dead-letters", "discard", key, "--reason", " ")
    assert refused.exit_code == 2 and "needs a reason" in refused.output
    assert diag("dead-letters", "discard", key, "--reason", "duplicate of a visit already at central").exit_code == 0
    assert diag("service", "off", "--message", "维护中 under maintenance").exit_code == 0
    until(lambda: core.refresh_availability() or core.session.view().state == "out_of_service",
          what="the kiosk out of service")
    assert core.session.view().out_of_service_notice == "维护中 under maintenance"
    assert diag("service", "on").exit_code == 0
    until(lambda: core.refresh_availability() or core.session.view().state == "attract", what="back in service")
    result = diag("sync")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["pending"] == 0
    entries = central_audit(env.central.database_url, actor=f"console:{getpass.getuser()}")
    assert [e["action"] for e in reversed(entries)] == ["status", "dead_letter_discard", "dead_letter_discard",
                                                       "service_off", "service_on"]
    assert [e["outcome"] for e in reversed(entries)][1:3] == ["refused", "done"]


def console(env, tmp_path, *args):
    return CliRunner().invoke(cli, ["diag", "--config", console_config(env, tmp_path), *args],
                              catch_exceptions=False)


def test_kiosk_diag_lists_the_dead_letters_and_sends_one_again_to_central(env, kiosk, tmp_path):
    """An audit entry a central not yet upgraded refused for good: listed, sent again from the
    console, due at once, and delivered by the next sync round to the real central."""
    core, _diagnostics = kiosk
    core.stop()  # the console alone on the data directory: no sync worker sends it behind the test's back
    config = env.config
    reason = "central 400: unknown kind 'audit'"
    assert json.loads(console(env, tmp_path, "dead-letters").stdout) == []
    with Outbox(config.data_path("outbox.db"), config.data_path("keys", "outbox.key")) as outbox:
        entry = AuditTrail(config.data_path("audit.log"), outbox, config.kiosk.id).record("technician", "sync")
        key = f"audit:{entry['id']}"
        assert key in [item.key for item in outbox.due(100)]  # sent, and refused
        outbox.mark_dead(key, reason)
        outbox.release_in_flight()
    listed = console(env, tmp_path, "dead-letters")
    assert listed.exit_code == 0
    assert json.loads(listed.stdout) == [{"key": key, "kind": "audit", "state": "dead", "reason": reason, "attempts": 1}]
    unknown = console(env, tmp_path, "dead-letters", "retry", "audit:nothing-such")
    assert unknown.exit_code == 1 and "no dead item 'audit:nothing-such'" in unknown.stderr
    again = console(env, tmp_path, "dead-letters", "retry", key)
    assert again.exit_code == 0 and f"{key}: pending again" in again.stdout
    with Outbox(config.data_path("outbox.db"), config.data_path("keys", "outbox.key")) as outbox:
        assert outbox.dead_letters() == []
        assert key in [item.key for item in outbox.due(100)]  # due now, not at a backoff step
        outbox.release_in_flight()
    assert entry["id"] not in {e["id"] for e in central_audit(env.central.database_url, kiosk_id=config.kiosk.id)}
    synced_now = console(env, tmp_path, "sync")
    assert synced_now.exit_code == 0, synced_now.output
    assert json.loads(synced_now.stdout)["pending"] == 0 and json.loads(synced_now.stdout)["dead"] == 0
    at_central = {e["id"]: e for e in central_audit(env.central.database_url, kiosk_id=config.kiosk.id)}
    assert (at_central[entry["id"]]["actor"], at_central[entry["id"]]["action"]) == ("technician", "sync")
    console_steps = sorted((e["action"], e["outcome"], e["detail"].get("key")) for e in at_central.values()
                           if e["actor"] == f"console:{getpass.getuser()}")
    assert console_steps == [("dead_letter_retry", "done", key), ("dead_letter_retry", "not_found", "audit:nothing-such")]


def test_kiosk_diag_status_shows_the_running_kiosks_overview_and_says_when_it_is_not_running(env, kiosk, tmp_path):
    core, _diagnostics = kiosk
    env.printer.set_fault("paper_out")  # the printer runs out of paper; the kiosk's poll sees it
    until(lambda: core.devices.statuses()["printer"].state.value == "hardware_error", what="the fault seen")
    shown = console(env, tmp_path, "status")
    assert shown.exit_code == 0 and shown.stderr == ""
    status = json.loads(shown.stdout)
    assert status["running"] is True and status["queue"]["pending"] == 0  # the data directory's part stays
    overview = status["overview"]
    printer = overview["devices"]["printer"]
    assert printer["state"] == "hardware_error" and printer["last_error"]["kind"] == "hardware_error"
    assert set(printer["since_start"]) == {"cards_read", "pages_printed", "cards_dispensed", "failures"}
    assert overview["devices"]["idcard"]["state"] == "online"
    assert overview["network"]["central_reachable"] is True and overview["config_version"] == core.config_version
    assert overview["app"]["uptime_s"] >= 0 and overview["app"]["memory_rss_bytes"] > 0
    assert overview["app"]["disk"]["free_bytes"] > 0
    core.stop()
    alone = console(env, tmp_path, "status")
    assert alone.exit_code == 0 and "the kiosk is not running" in alone.stderr
    assert json.loads(alone.stdout)["running"] is False and json.loads(alone.stdout)["overview"] is None
    assert "queue" in json.loads(alone.stdout)


def test_kiosk_diag_reconnect_reopens_a_device_in_the_running_kiosk_and_is_refused_during_a_visit(
        env, kiosk, tmp_path):
    core, _diagnostics = kiosk
    actor = f"console:{getpass.getuser()}"
    env.printer.set_fault("offline")
    still_off = console(env, tmp_path, "reconnect", "printer")
    assert still_off.exit_code == 1 and json.loads(still_off.stdout)["state"] == "offline"
    env.printer.set_fault(None)
    core.session.touch()  # a citizen begins a visit: their devices are left alone
    try:
        refused = console(env, tmp_path, "reconnect", "printer")
    finally:
        core.session.cancel()
    assert refused.exit_code == 4 and "visit is in progress" in refused.stderr
    done = console(env, tmp_path, "reconnect", "printer")
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["state"] == "online" and core.devices.statuses()["printer"].usable
    unknown = console(env, tmp_path, "reconnect", "teleporter")
    assert unknown.exit_code == 2 and "no device 'teleporter'" in unknown.stderr
    synced(core)
    entries = central_audit(env.central.database_url, actor=actor)
    assert [(e["action"], e["outcome"], e["detail"].get("state") or e["detail"].get("reason"))
            for e in reversed(entries)] == [("reconnect", "done", "offline"), ("reconnect", "refused", "visit_in_progress"),
                                            ("reconnect", "done", "online"),
                                            ("reconnect", "refused", "no such device")]
    core.stop()
    assert console(env, tmp_path, "reconnect", "printer").exit_code == 3


def test_the_diagnostic_bundle_holds_no_personal_data(env, kiosk, tmp_path):
    """A visit in progress logs its card holder, a technician discards with a phone number in
    the reason, a self-test is kept: every member of the bundle is scanned for ID numbers, the
    name and phone numbers (from the screen and from the console)."""
    import logging
    import re
    import tarfile

    from drivers.idcard.demo_cards import load_demo_card

    core, diagnostics = kiosk
    card = load_demo_card("zhang-wei")
    name = card.name  # the card is wiped with the visit
    with kiosk_log_file(env.config):
        core.session.touch()
        core.session.visit.card = card  # the holder's name is masked while the visit lasts
        logging.getLogger("kiosk.test").warning("read %s %s, phone 13812345678", card.name, card.id_number)
        try:
            raise ValueError(f"bad card {card.id_number}")
        except ValueError:
            logging.getLogger("kiosk.test").exception("while reading")
        key = a_dead_letter(core)
        diagnostics.discard_dead_letter(key, f"citizen {card.id_number} called from 13812345678")
        diagnostics.self_test("printer")
        with pytest.raises(ValueError, match="nothing mounted"):
            diagnostics.export(tmp_path / "usb")  # no stick yet
        (tmp_path / "usb").mkdir()
        from_screen = diagnostics.export(tmp_path / "usb")  # a directory: a USB stick's mount point
        from_console = CliRunner().invoke(cli, ["diag", "--config", console_config(env, tmp_path), "export",
                                                "--out", str(tmp_path / "console.tar.gz")], catch_exceptions=False)
        assert from_console.exit_code == 0, from_console.output
        core.session.cancel()
    # Bounded by anything but hex digits: the audit entries' ids are hex and may hold a run of digits.
    id_number = re.compile(r"(?<![0-9a-fA-F])\d{17}[\dXx](?![0-9a-fA-F])")
    phone = re.compile(r"(?<![0-9a-fA-F])1[3-9]\d{9}(?![0-9a-fA-F])")
    for bundle in (from_screen["path"], str(tmp_path / "console.tar.gz")):
        with tarfile.open(bundle) as tar:
            names = tar.getnames()
            assert any(n.endswith("logs/kiosk.log") for n in names) and any(n.endswith("audit.jsonl") for n in names)
            for member in tar.getmembers():
                text = tar.extractfile(member).read().decode("utf-8")
                assert not id_number.search(text) and not phone.search(text), member.name
                assert name not in text, member.name
        snapshot = assert_overview_and_self_tests(bundle, tested="printer")
        assert snapshot["devices"]["printer"]["since_start"]["pages_printed"] >= 1  # the self-test's receipt
        assert json.loads(bundle_members(bundle)["self_tests.json"])["printer"]["state"] == "passed"
    assert diagnostics.audit.entries()[-1]["action"] == "export"


def test_a_bundles_json_stays_json_when_a_number_reads_as_personal_data(kiosk, tmp_path):
    """A queue age's 15 decimals read as an old ID number, a byte count as a phone number: the
    masking of the JSON members takes them as numbers, not as text to cut into."""
    from kiosk.bundle import write_bundle

    core, _diagnostics = kiosk
    snapshot = {"queue": {"oldest_pending_age_s": 15.066312345678657},
                "app": {"disk": {"free_bytes": 13812345678, "total_bytes": 270553174016}},
                "note": "called 13812345678"}
    path = write_bundle(tmp_path / "b.tar.gz", config=core.config, outbox=core.outbox, audit=core.audit,
                        maintenance=core.maintenance, snapshot=snapshot, self_tests={})
    kept = json.loads(bundle_members(path)["snapshot.json"])
    assert kept["queue"]["oldest_pending_age_s"] == 15.066 and kept["note"] == "called 138****5678"
    assert kept["app"]["disk"] == {"free_bytes": "138****5678", "total_bytes": 270553174016}


def test_a_named_technician_is_the_actor_of_what_they_do(tmp_path):
    technician = {"id": "T-07", "name": "王工", "pin_hash": hash_pin("1357", **CHEAPEST)}
    overrides = {"diagnostics.technicians": [technician], "speech.enabled": False}
    with DemoEnvironment(tmp_path, overrides=overrides) as env:
        core = KioskCore(env.config).start(ticker=False)
        diagnostics = Diagnostics(core)
        try:
            assert diagnostics.enter("technician:T-07", "1357")
            diagnostics.sync_now()
            diagnostics.exit()
            assert not diagnostics.enter("technician", "2468")  # no shared PIN on this kiosk
        finally:
            diagnostics.close()
            core.stop()
    assert [(e["actor"], e["action"], e["outcome"]) for e in diagnostics.audit.entries()] == [
        ("technician:T-07", "enter", "done"), ("technician:T-07", "sync", "done"),
        ("technician:T-07", "exit", "done"), ("technician", "enter", "refused")]


def test_a_named_technicians_refusals_are_theirs_and_reach_their_page_at_central(tmp_path):
    """Wrong PINs, the lockout they set and the refusal on the locked account go to central under
    the account's own id (never the PIN), so that account's page lists them; a name typed that
    is no account stays under the generic actor."""
    from central.db import create_engine_for
    from central.fleet_state import technician_audit

    technician = {"id": "T-07", "name": "王工", "pin_hash": hash_pin("13572468", **CHEAPEST)}
    overrides = {"diagnostics.technicians": [technician], "speech.enabled": False,
                 "diagnostics.lockout_failures": 2}
    with DemoEnvironment(tmp_path, overrides=overrides) as env:
        core = KioskCore(env.config).start(ticker=False)
        diagnostics = Diagnostics(core)
        try:
            assert not diagnostics.enter("technician:T-07", "86420975")
            assert diagnostics.enter("technician:T-07", "75319864").locked == "account"
            assert diagnostics.enter("technician:T-07", "13572468").reason == "account_locked"
            assert diagnostics.enter("technician:T-99", "13572468").reason == "unknown_account"
            synced(core)
            engine = create_engine_for(env.central.database_url, create=False)
            try:
                with engine.connect() as conn:
                    page = technician_audit(conn, "technician:T-07")
            finally:
                engine.dispose()
        finally:
            diagnostics.close()
            core.stop()
    assert [(e["action"], e["outcome"], e["detail"]["reason"], e["detail"].get("locked")) for e in reversed(page)] == [
        ("enter", "refused", "wrong_pin", None), ("enter", "refused", "wrong_pin", "account"),
        ("enter", "refused", "account_locked", None)]
    assert not any(pin in json.dumps(page) for pin in ("86420975", "75319864", "13572468"))
    made_up = diagnostics.audit.entries()[-1]
    assert (made_up["actor"], made_up["detail"]["account"]) == ("technician", "technician:T-99")


def test_refusals_raised_before_anything_was_done_are_audited_too(kiosk):
    core, diagnostics = kiosk
    assert diagnostics.enter("technician", PIN)
    for call in (lambda: diagnostics.out_of_service("   "), lambda: diagnostics.out_of_service("x" * 201),
                 lambda: diagnostics.self_test("teleporter"), lambda: diagnostics.reconnect("teleporter")):
        with pytest.raises(ValueError):
            call()
    assert core.maintenance.current() is None
    refused = [(e["action"], e["outcome"], e["detail"].get("device"), e["detail"]["reason"][:20])
               for e in diagnostics.audit.entries()[1:]]
    assert refused == [("service_off", "refused", None, "taking the kiosk out"),
                       ("service_off", "refused", None, "the message is at mo"),
                       ("self_test", "refused", "teleporter", "no such device"),
                       ("reconnect", "refused", "teleporter", "no such device")]


def test_a_kiosk_stopping_under_an_open_mode_records_the_exit_with_why(kiosk):
    core, diagnostics = kiosk
    diagnostics.close("shutdown")  # nobody in the mode: nothing to record
    assert diagnostics.audit.entries() == []
    assert diagnostics.enter("technician", PIN) and diagnostics.is_open
    diagnostics.close("shutdown")
    last = diagnostics.audit.entries()[-1]
    assert (last["actor"], last["action"], last["detail"]) == ("technician", "exit", {"reason": "shutdown"})
    assert not diagnostics.is_open and core.unattended()
