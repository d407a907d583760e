"""Each device's self-test against its emulator: passing (each fault state injected by the
emulators' control: test_self_test_faults.py), kept across a restart and in the bundle,
audited; and `kiosk diag selftest` asking the running core over its local control channel.
Real core, real emulators on ptys and 127.0.0.1, a real central."""

from __future__ import annotations

import getpass
import json
import os
import stat
import threading

import pytest
from click.testing import CliRunner

from central.stats import audit as central_audit
from drivers.camera.emulator import CameraEmulator
from drivers.docprinter.file_printer import FilePdfPrinter
from drivers.idcard.demo_cards import load_demo_card
from kiosk.cli import cli
from kiosk.core import KioskCore
from kiosk.demo_env import DemoEnvironment
from kiosk.diagnostics import Diagnostics
from kiosk.identity.worker import FaceWorker
from kiosk.local_control import SOCKET_NAME, request
from kiosk.selftests import Timings
from support.bundles import assert_overview_and_self_tests, bundle_members
from support.console import console_config
from support.kiosk_core import until

FAST = Timings(camera_s=2.0, finger_s=1.0, scan_s=2.0)
CONSOLE = f"console:{getpass.getuser()}"


@pytest.fixture(scope="module")
def face_worker():
    worker = FaceWorker()
    worker.prewarm()
    yield worker
    worker.close()


@pytest.fixture(scope="module")
def camera():
    with CameraEmulator(face="astronaut") as emulator:
        yield emulator


@pytest.fixture(scope="module")
def env(tmp_path_factory, camera):
    overrides = {"speech.enabled": False, "devices.camera.url": camera.url}
    with DemoEnvironment(tmp_path_factory.mktemp("selftest"), overrides=overrides) as started:
        yield started


def start_core(env, face_worker) -> KioskCore:
    core = KioskCore(env.config, face_worker=face_worker).start(ticker=False)
    core.self_tests.timings = FAST
    return core


@pytest.fixture
def core(env, face_worker, camera):
    core = start_core(env, face_worker)
    try:
        yield core
    finally:
        core.stop()
        for emulator in (env.printer, env.idcard, env.fingerprint, env.dispenser, env.scanner, camera):
            emulator.handle_control({"op": "clear_fault"})
        FilePdfPrinter(env.documents_dir).inject_fault(None)
        env.lift_card()
        env.lift_finger()


def run(core, device):
    return core.self_tests.run(device, "technician")


def test_receipt_printer_prints_a_status_readout_without_personal_data(env, core):
    before = len(env.printer.jobs)
    env.place_card()  # a card on the reader must not find its way onto the test receipt
    result = run(core, "printer")
    assert result["state"] == "passed", result
    assert set(result) == {"device", "state", "summary", "details", "elapsed_ms", "at"}
    assert result["details"]["status"]["state"] == "online"  # asked after printing
    job = env.printer.jobs[before]
    assert len(env.printer.jobs) == before + 1 and job.cut
    assert env.config.kiosk.id in job.text and "pending" in job.text and "idcard" in job.text
    card = load_demo_card(env.card_name)
    assert card.id_number not in job.text and card.name not in job.text


def test_document_printer_prints_one_test_page(env, core):
    before = set(env.documents())
    result = run(core, "docprinter")
    assert result["state"] == "passed", result
    assert len(set(env.documents()) - before) == 1
    assert result["details"]["job"]["state"] == "completed"


def test_card_reader_reads_the_card_and_shows_only_masked_fields(env, core):
    env.place_card()
    result = run(core, "idcard")
    card = load_demo_card(env.card_name)
    assert result["state"] == "passed", result
    shown = json.dumps(result, ensure_ascii=False)
    assert card.id_number not in shown and card.name not in shown and card.address not in shown
    assert result["details"]["card"]["id_number"] == card.masked_id
    assert result["details"]["card"]["name"].startswith(card.name[0]) and "*" in result["details"]["card"]["name"]


def test_camera_reports_frame_rate_and_where_the_face_is(core):
    result = run(core, "camera")
    assert result["state"] == "passed", result
    details = result["details"]
    assert details["fps"] >= 5 and details["frames"] >= 10
    left, top, right, bottom = details["face"]["box"]
    assert 0 <= left < right <= details["width"] and 0 <= top < bottom <= details["height"]
    assert "frames/s" in result["summary"] and "face at" in result["summary"]


def test_camera_without_a_face_still_passes_and_says_so(camera, core):
    camera.handle_control({"op": "fault", "kind": "no_face"})
    result = run(core, "camera")
    assert result["state"] == "passed" and result["details"]["face"] == {"faces": 0, "box": None}
    assert "no face found" in result["summary"]


def test_fingerprint_captures_and_reports_quality(env, core):
    env.place_finger()
    result = run(core, "fingerprint")
    assert result["state"] == "passed", result
    assert result["details"]["quality"] == "good" and result["details"]["template_bytes"] == 512


def test_dispenser_and_scanner_answer_their_checks(env, core):
    result = run(core, "dispenser")
    assert result["state"] == "passed", result
    assert result["details"]["bin"] == "ok" and result["details"]["card"] == "none"
    timer = threading.Timer(0.5, env.scan, args=("https://verify.example/r/ABC123",))
    timer.start()
    result = run(core, "scanner")
    timer.join()
    assert result["state"] == "passed" and result["details"]["code_length"] == len("https://verify.example/r/ABC123")
    assert "ABC123" not in json.dumps(result)  # a receipt's code identifies a visit: only its length


def test_results_are_kept_across_a_restart_and_go_into_both_bundles(env, face_worker, core, tmp_path):
    env.printer.handle_control({"op": "fault", "kind": "paper_out"})
    failed = run(core, "printer")
    env.printer.handle_control({"op": "clear_fault"})
    passed = run(core, "dispenser")
    path = env.config.data_path("selftests.json")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    core.stop()
    again = start_core(env, face_worker)
    diagnostics = Diagnostics(again)
    try:
        kept = diagnostics.self_tests
        assert kept["printer"] == failed and kept["dispenser"] == passed
        assert diagnostics.snapshot()["self_tests"]["printer"]["state"] == "failed"
        (tmp_path / "usb").mkdir()
        from_screen = diagnostics.export(tmp_path / "usb")["path"]
    finally:
        diagnostics.close()
        again.stop()
    console = CliRunner().invoke(cli, ["diag", "--config", console_config(env, tmp_path), "export",
                                       "--out", str(tmp_path / "console.tar.gz")], catch_exceptions=False)
    assert console.exit_code == 0, console.output
    for bundle, running in ((from_screen, True), (tmp_path / "console.tar.gz", False)):  # the kiosk stopped
        assert_overview_and_self_tests(bundle, tested="printer", running=running)
        tests = json.loads(bundle_members(bundle)["self_tests.json"])
        assert tests["printer"]["state"] == "failed" and tests["dispenser"]["state"] == "passed"
    # The printer's paper-out the self-test found stays its last error without the running kiosk.
    alone = json.loads(bundle_members(tmp_path / "console.tar.gz")["snapshot.json"])
    assert alone["devices"]["printer"]["last_error"] is not None


def test_every_self_test_is_audited_as_who_ran_it(env, core):
    diagnostics = Diagnostics(core)
    try:
        diagnostics.actor = "technician:T-07"  # as after a named technician's PIN
        diagnostics.self_test("dispenser")
    finally:
        diagnostics.close()
    entry = core.audit.entries(1)[0]
    assert (entry["actor"], entry["action"], entry["outcome"]) == ("technician:T-07", "self_test", "done")
    assert entry["detail"]["device"] == "dispenser" and entry["detail"]["state"] == "passed"
    with pytest.raises(ValueError):
        run(core, "teleporter")


def diag(env, tmp_path, *args):
    return CliRunner().invoke(cli, ["diag", "--config", console_config(env, tmp_path), *args],
                              catch_exceptions=False)


def test_kiosk_diag_selftest_runs_in_the_running_kiosk(env, camera, core, tmp_path):
    before = len(env.printer.jobs)
    done = diag(env, tmp_path, "selftest", "printer")
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["state"] == "passed" and len(env.printer.jobs) == before + 1
    assert core.self_tests.results()["printer"] == json.loads(done.stdout)
    camera.handle_control({"op": "fault", "kind": "unplugged"})
    unplugged = diag(env, tmp_path, "selftest", "camera")
    assert unplugged.exit_code == 1 and json.loads(unplugged.stdout)["state"] == "no_device"
    unknown = diag(env, tmp_path, "selftest", "teleporter")
    assert unknown.exit_code == 2 and "no device 'teleporter'" in unknown.stderr
    entries = core.audit.entries(3)
    assert [(e["actor"], e["action"], e["outcome"], e["detail"]["device"]) for e in entries] == [
        (CONSOLE, "self_test", "done", "printer"), (CONSOLE, "self_test", "failed", "camera"),
        (CONSOLE, "self_test", "refused", "teleporter")]
    core.sync.wake()  # and through the outbox to central
    ids = {entry["id"] for entry in entries}
    until(lambda: sorted(e["outcome"] for e in central_audit(env.central.database_url, actor=CONSOLE)
                         if e["id"] in ids) == ["done", "failed", "refused"], what="the entries at central")


def test_kiosk_diag_selftest_is_refused_during_a_visit(env, core, tmp_path):
    before = len(env.printer.jobs)
    core.session.touch()  # a citizen begins a visit
    try:
        refused = diag(env, tmp_path, "selftest", "printer")
    finally:
        core.session.cancel()
    assert refused.exit_code == 4 and "visit is in progress" in refused.stderr
    assert len(env.printer.jobs) == before  # nothing printed in the citizen's tray
    entry = core.audit.entries(1)[0]
    assert (entry["actor"], entry["outcome"], entry["detail"]["reason"]) == (CONSOLE, "refused", "visit_in_progress")
    assert diag(env, tmp_path, "selftest", "printer").exit_code == 0  # once the visit is over


def test_kiosk_diag_selftest_says_so_when_the_kiosk_is_not_running(env, face_worker, tmp_path):
    socket_path = env.config.data_path(SOCKET_NAME)
    assert not socket_path.exists()  # the core of the earlier test took its socket away
    result = diag(env, tmp_path, "selftest", "printer")
    assert result.exit_code == 3 and "kiosk is not running" in result.stderr


def test_the_control_socket_is_the_kiosk_users_only_and_takes_only_its_commands(env, core):
    path = env.config.data_path(SOCKET_NAME)
    assert stat.S_ISSOCK(path.stat().st_mode) and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.stat().st_uid == os.getuid()
    refused = request(path, {"command": "service_off", "actor": CONSOLE})
    assert not refused["ok"] and "unknown command" in refused["error"]
    anonymous = request(path, {"command": "selftest", "device": "printer"})
    assert not anonymous["ok"] and "actor" in anonymous["error"]


def test_a_socket_left_by_a_killed_kiosk_is_replaced(env, face_worker):
    import socket

    path = env.config.data_path(SOCKET_NAME)
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    if len(str(path)) >= 100:
        pytest.skip("data dir path too long for a plain bind")
    stale.bind(str(path))
    stale.close()  # bound, never listening: as after a kill -9
    core = start_core(env, face_worker)
    try:
        assert request(path, {"command": "ping"})["ok"]
    finally:
        core.stop()
    assert not path.exists()


def test_a_damaged_results_file_is_started_afresh(tmp_path):
    from kiosk.selftests import ResultStore

    store = ResultStore(tmp_path / "selftests.json")
    assert store.all() == {}
    store.path.write_text("{not json", encoding="utf-8")  # as after a disk fault
    assert store.all() == {}
    store.put({"device": "printer", "state": "passed"})
    assert store.all() == {"printer": {"device": "printer", "state": "passed"}}
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
