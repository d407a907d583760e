"""Every fault kind every emulator accepts, against its device's self-test: injected through the
emulator's control, the self-test fails (or finds no device) and says which fault in plain words;
cleared, the same self-test passes again. A fault a self-test cannot see by design has its own
expectation below, saying why. Real core, real emulators on ptys and 127.0.0.1, one environment
and one core for the whole module (tests/kiosk/test_self_tests.py covers the rest of the tests)."""

from __future__ import annotations

import os
import threading
from typing import NamedTuple
from urllib.parse import quote

import pytest

from drivers.camera.emulator import FAULTS as CAMERA_FAULTS
from drivers.camera.emulator import CameraEmulator
from drivers.dispenser.emulator import FAULT_KINDS as DISPENSER_FAULTS
from drivers.docprinter import cupsd
from drivers.docprinter.file_printer import FAULTS as DOCUMENT_PRINTER_FAULTS
from drivers.docprinter.file_printer import FilePdfPrinter
from drivers.fingerprint.emulator import FAULT_KINDS as FINGERPRINT_FAULTS
from drivers.idcard.emulator import FAULT_KINDS as IDCARD_FAULTS
from drivers.pcsc.demo_documents import DEFAULT_DOCUMENT, demo_mrz
from drivers.pcsc.mrz import AccessKey
from drivers.pcsc.virtual_card import FAULT_KINDS as CHIP_FAULTS
from drivers.printer.emulator import FAULT_CONDITIONS as PRINTER_FAULTS
from drivers.scanner.emulator import FAULT_KINDS as SCANNER_FAULTS
from kiosk.core import KioskCore
from kiosk.demo_env import DemoEnvironment
from kiosk.identity.worker import FaceWorker
from drivers.registry import open_device
from kiosk.selftests import Timings, checks
from support.kiosk_core import until
from support.pcsc_fixtures import card_present, wait_until

# The scan wait leaves room for the "slow" scanner's code, sent 1.5 s after the scan at 0.5 s.
FAST = Timings(camera_s=2.0, finger_s=1.0, scan_s=4.0)
CODE = "https://verify.example/r/ABC123"  # held under the scanner during its self-test

# Every kind each emulator knows, from the emulator itself: a new kind fails the coverage test
# below until it has an expectation here.
KINDS = {
    "printer": set(PRINTER_FAULTS), "docprinter": set(DOCUMENT_PRINTER_FAULTS), "idcard": set(IDCARD_FAULTS),
    "camera": set(CAMERA_FAULTS), "fingerprint": set(FINGERPRINT_FAULTS), "dispenser": set(DISPENSER_FAULTS),
    "scanner": set(SCANNER_FAULTS),
}


class Seen(NamedTuple):
    state: str  # what the self-test finds: failed | no_device
    said: str  # words of the summary that name the fault


class Unseen(NamedTuple):
    said: str  # the self-test passes, and its summary says this
    why: str  # why it cannot see the fault by design


EXPECTED: dict[tuple[str, str], Seen | Unseen] = {
    ("printer", "paper_out"): Seen("failed", "paper out"),
    ("printer", "cover_open"): Seen("failed", "cover open"),
    ("printer", "offline"): Seen("failed", "printer offline"),
    ("printer", "no_answer"): Seen("failed", "does not answer"),
    ("printer", "paper_runs_out_mid_job"): Seen("failed", "paper out during the job"),
    ("printer", "drop_connection"): Seen("failed", "connection lost during the job"),
    ("printer", "paper_near_end"): Unseen(
        "paper near its end", "a warning, not a fault: the printer still prints, and the summary says so"),
    ("docprinter", "paper_out"): Seen("failed", "paper out"),
    ("docprinter", "stopped"): Seen("failed", "queue stopped"),
    ("idcard", "no_card"): Seen("failed", "no card on the reader"),
    ("idcard", "bad_checksum"): Seen("failed", "checksum"),
    ("idcard", "truncated"): Seen("failed", "truncated answer"),
    ("idcard", "no_answer"): Seen("failed", "no answer"),
    ("idcard", "sam_failure"): Seen("failed", "SAM self-test failed"),
    ("idcard", "read_failed"): Seen("failed", "read failed"),
    ("idcard", "unplugged"): Seen("no_device", "went away"),
    ("idcard", "garbage_prefix"): Unseen(
        "card read", "the driver skips stray bytes up to the frame's preamble, as it must on a noisy line"),
    ("camera", "unplugged"): Seen("no_device", "no frame"),
    ("camera", "drop_connection"): Seen("no_device", "no frame"),
    ("camera", "no_answer"): Seen("no_device", "no frame"),
    ("camera", "freeze"): Seen("failed", "image frozen"),
    ("camera", "black"): Seen("failed", "image dark"),
    ("camera", "slow"): Seen("failed", "too slow"),
    ("camera", "corrupt_frames"): Seen("failed", "frames broken"),
    ("camera", "no_face"): Unseen(
        "no face found", "nobody in front of the kiosk is no camera fault; the summary says no face was found"),
    ("fingerprint", "no_finger"): Seen("failed", "no finger on the sensor"),
    ("fingerprint", "wet_finger"): Seen("failed", "too wet"),
    ("fingerprint", "dry_finger"): Seen("failed", "too dry"),
    ("fingerprint", "bad_checksum"): Seen("failed", "checksum"),
    ("fingerprint", "corrupt_packet"): Seen("failed", "unknown packet id"),
    ("fingerprint", "truncated"): Seen("failed", "truncated answer"),
    ("fingerprint", "wrong_address"): Seen("failed", "module address"),
    ("fingerprint", "no_answer"): Seen("no_device", "no answer"),
    ("fingerprint", "unplugged"): Seen("no_device", "went away"),
    ("fingerprint", "mismatch"): Unseen(
        "finger captured", "the self-test captures a finger and matches it with nobody: only a visit's match can fail"),
    ("fingerprint", "garbage_prefix"): Unseen(
        "finger captured", "the driver skips stray bytes up to the packet's start code, as it must on a noisy line"),
    ("dispenser", "bin_full"): Seen("failed", "reject bin full"),
    ("dispenser", "empty"): Seen("failed", "stacker empty"),
    ("dispenser", "garbage"): Seen("failed", "garbled answer"),
    ("dispenser", "no_answer"): Seen("no_device", "no answer"),
    ("dispenser", "unplugged"): Seen("no_device", "went away"),
    ("dispenser", "jam"): Unseen(
        "status answered", "a jam bites at the next card motion, and the self-test moves no card (it would take a "
        "citizen's card out of its slot); a card left jammed in the channel fails it"),
    ("dispenser", "not_taken"): Unseen(
        "status answered", "only a visit presents a card at the mouth for a citizen to take"),
    ("scanner", "garbage"): Seen("failed", "not understood"),
    ("scanner", "unplugged"): Seen("no_device", "went away"),
    ("scanner", "no_read"): Unseen(
        "nothing scanned", "a swallowed scan looks like no code held under a presentation scanner, which answers "
        "no query; the summary says nothing was scanned"),
    ("scanner", "slow"): Unseen(
        "a code of 31 characters read", "the code comes 1.5 s late, within the self-test's wait"),
}


def test_every_fault_kind_of_every_emulator_has_an_expectation():
    assert set(EXPECTED) == {(device, kind) for device, kinds in KINDS.items() for kind in kinds}


@pytest.fixture(scope="module")
def camera():
    with CameraEmulator(face="astronaut") as emulator:
        yield emulator


@pytest.fixture(scope="module")
def env(tmp_path_factory, camera):
    overrides = {"speech.enabled": False, "devices.camera.url": camera.url}
    with DemoEnvironment(tmp_path_factory.mktemp("selftest-faults"), overrides=overrides) as started:
        yield started


@pytest.fixture(scope="module")
def core(env):
    worker = FaceWorker()
    worker.prewarm()
    core = KioskCore(env.config, face_worker=worker).start(ticker=False)
    core.self_tests.timings = FAST
    try:
        yield core
    finally:
        core.stop()
        worker.close()


def control(env, camera, device):
    """The emulator of `device`, by its control interface."""
    if device == "docprinter":
        return FilePdfPrinter(env.documents_dir)
    return {"printer": env.printer, "idcard": env.idcard, "camera": camera, "fingerprint": env.fingerprint,
            "dispenser": env.dispenser, "scanner": env.scanner}[device]


def plugged_in_again(env, device) -> None:
    """A serial device cleared of "unplugged" is back at its stable name before it is tested."""
    pty = {"idcard": env.idcard_pty, "fingerprint": env.fingerprint_pty, "dispenser": env.dispenser_pty,
           "scanner": env.scanner_pty}.get(device)
    if pty is not None:
        until(lambda: os.path.exists(pty.device), timeout=5, what=f"the {device} back at {pty.device}")


def self_test(env, core, device):
    """The device's self-test with what a technician brings: a card on the reader, a finger on
    the sensor, a code held under the scanner."""
    env.place_card()  # placed again: the reader finds a card once
    env.place_finger()
    timer = threading.Timer(0.5, env.scan, args=(CODE,)) if device == "scanner" else None
    if timer:
        timer.start()
    try:
        return core.self_tests.run(device, "technician")
    finally:
        if timer:
            timer.join()


@pytest.mark.parametrize(("device", "fault"), sorted(EXPECTED), ids=[f"{d}-{f}" for d, f in sorted(EXPECTED)])
def test_a_device_in_each_fault_state_fails_its_self_test_and_passes_once_cleared(env, camera, core, device,
                                                                                   fault):
    expected = EXPECTED[device, fault]
    emulator = control(env, camera, device)
    emulator.handle_control({"op": "fault", "kind": fault})
    try:
        result = self_test(env, core, device)
    finally:
        emulator.handle_control({"op": "clear_fault"})
        plugged_in_again(env, device)
    summary = result["summary"]
    assert "Traceback" not in summary and "self-test broke" not in summary, result
    if isinstance(expected, Unseen):
        assert result["state"] == "passed", result
    else:
        assert result["state"] == expected.state, result
        assert core.audit.entries(1)[0]["outcome"] == "failed"
    assert expected.said.lower() in summary.lower(), result
    again = self_test(env, core, device)
    assert again["state"] == "passed", again


# --- the PC/SC chip document reader: a real pcscd with vpcd and the session's virtual card ---

CHIP_EXPECTED: dict[str, Seen | Unseen] = {
    "wrong_keys": Seen("failed", "access keys do not match"),
    "bad_mac": Seen("failed", "MAC does not verify"),
    "corrupt_response": Seen("failed", "TLV"),
    "sw_error": Seen("failed", "file or application not found"),
    "card_removed_mid_read": Seen("failed", "removed during the read"),
    "no_answer": Seen("failed", "no answer"),
    "unplugged": Seen("failed", "no document on the reader"),
}


def test_every_fault_kind_of_the_virtual_chip_has_an_expectation():
    assert set(CHIP_EXPECTED) == set(CHIP_FAULTS)


@pytest.fixture(scope="module")
def chip(pcsc_service, session_card, tmp_path_factory):
    """A core whose chip reader opens the demo document with its own MRZ, as a technician's
    test document is configured; (core, virtual card, reader name)."""
    virtual, _link = session_card
    virtual.clear_fault()
    virtual.insert(demo_mrz(DEFAULT_DOCUMENT))
    reader = pcsc_service.reader(0)
    key = AccessKey.from_mrz(demo_mrz(DEFAULT_DOCUMENT)).mrz_information
    overrides = {"speech.enabled": False, "devices.chipdoc": {
        "url": f"pcsc://{quote(reader)}?mrz={key}&timeout=3", "poll_interval_s": 2}}
    with DemoEnvironment(tmp_path_factory.mktemp("selftest-chip"), overrides=overrides) as env:
        core = KioskCore(env.config).start(ticker=False)
        try:
            yield core, virtual, reader
        finally:
            core.stop()
            virtual.clear_fault()


def chip_self_test(core, virtual, reader):
    if virtual.describe()["document"] is None:  # the document taken away by a fault goes back
        virtual.insert(demo_mrz(DEFAULT_DOCUMENT))
    wait_until(lambda: card_present(reader), "pcscd sees the virtual card")
    return core.self_tests.run("chipdoc", "technician")


@pytest.mark.parametrize("fault", sorted(CHIP_EXPECTED))
def test_a_chip_reader_in_each_fault_state_fails_its_self_test_and_passes_once_cleared(chip, fault):
    core, virtual, reader = chip
    expected = CHIP_EXPECTED[fault]
    chip_self_test(core, virtual, reader)
    virtual.set_fault(fault)
    if fault == "unplugged":  # pcscd notices the link gone by polling
        wait_until(lambda: not card_present(reader), "pcscd notices the card is gone")
    try:
        result = core.self_tests.run("chipdoc", "technician")
    finally:
        virtual.clear_fault()
    summary = result["summary"]
    assert "Traceback" not in summary and "self-test broke" not in summary, result
    assert result["state"] == expected.state, result
    assert expected.said.lower() in summary.lower(), result
    again = chip_self_test(core, virtual, reader)
    assert again["state"] == "passed", again



def test_a_chip_reader_without_a_test_documents_key_says_so(chip):
    """As a kiosk's reader is configured for visits (each brings its document's MRZ): the check
    on the real driver says what is missing, it does not break on it."""
    _core, _virtual, reader = chip
    device = open_device(f"pcsc://{quote(reader)}?timeout=3")
    try:
        outcome = checks.card_reader(device, None)
    finally:
        device.close()
    assert not outcome.passed and "no test document's access key" in outcome.summary


# --- the A4 printer behind a real CUPS queue (a private cupsd): its faults are the queue's states,
# set with CUPS's own admin commands, and lifted with their counterparts ---

CUPS_FAULTS = {  # fault: (set, lift, words of the summary)
    "stopped": ("cupsdisable", "cupsenable", "queue stopped"),
    "not_accepting": ("cupsreject", "cupsaccept", "not accepting jobs"),
}
QUEUE = "SelfTest"


@pytest.fixture(scope="module")
def cups(tmp_path_factory):
    """(core, cupsd) with the kiosk's document printer on a cups-pdf queue of a private cupsd."""
    try:
        server = cupsd.start()
    except cupsd.CupsdUnavailable as exc:
        pytest.skip(f"no private cupsd here: {exc}")
    try:
        server.add_pdf_queue(QUEUE)
        overrides = {"speech.enabled": False, "devices.docprinter.url": server.url(QUEUE)}
        with DemoEnvironment(tmp_path_factory.mktemp("selftest-cups"), overrides=overrides) as env:
            core = KioskCore(env.config).start(ticker=False)
            try:
                yield core, server
            finally:
                core.stop()
    finally:
        server.stop()


@pytest.mark.parametrize("fault", sorted(CUPS_FAULTS))
def test_a_cups_queue_in_each_fault_state_fails_the_self_test_and_passes_once_lifted(cups, fault):
    core, server = cups
    put, lift, said = CUPS_FAULTS[fault]
    server.admin(put, QUEUE)
    try:
        result = core.self_tests.run("docprinter", "technician")
    finally:
        server.admin(lift, QUEUE)
    assert result["state"] == "failed" and said in result["summary"], result
    assert result["details"]["status"]["state"] == "hardware_error"
    again = core.self_tests.run("docprinter", "technician")
    assert again["state"] == "passed" and again["details"]["job"]["state"] == "completed", again
