"""`kiosk device idcard … --url pcsc://…` and `kiosk emulate pcsc` as real subprocesses."""

import json
import os
import signal
import subprocess
import time

from urllib.parse import quote

import pytest

from drivers.emulation.control import send_control
from drivers.pcsc import pcscd
from drivers.pcsc.demo_documents import DEFAULT_DOCUMENT, demo_mrz
from drivers.pcsc.mrz import parse


def assert_clean_failure(result: subprocess.CompletedProcess, started: float, expected: str) -> None:
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert expected in lines[0] and "Traceback" not in result.stderr
    assert time.monotonic() - started < 10
    assert result.stdout == ""


def test_read_prints_the_dg1_fields(card, make_url, run_kiosk):
    result = run_kiosk("device", "idcard", "read", "--url", make_url())
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data == parse(demo_mrz(DEFAULT_DOCUMENT)).to_json()
    assert (data["document_number"], data["surname"], data["birth_date"]) == ("C03005988", "ZHANG", "1985-03-12")


def test_status_prints_online(card, make_url, run_kiosk):
    result = run_kiosk("device", "idcard", "status", "--url", make_url())
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["state"] == "online"


@pytest.mark.parametrize(
    ("fault", "query", "expected"),
    [
        ("wrong_keys", {}, "user_error: the document's access keys do not match"),
        ("bad_mac", {}, "checksum_error: secure messaging: the card's MAC does not verify"),
        ("no_answer", {"timeout": 2}, "timeout: read document: no answer within 2 s"),
        ("sw_error", {}, "protocol_error: SELECT EF.DG1: file or application not found (SW 6A82)"),
        ("corrupt_response", {}, "protocol_error: "),
    ],
)
def test_read_failures_are_one_line(card, make_url, run_kiosk, fault, query, expected):
    card.set_fault(fault)
    started = time.monotonic()
    assert_clean_failure(run_kiosk("device", "idcard", "read", "--url", make_url(**query)), started, expected)


def test_no_document_is_one_line(card, make_url, run_kiosk, wait_card):
    card.remove()
    wait_card(False)
    started = time.monotonic()
    assert_clean_failure(run_kiosk("device", "idcard", "read", "--url", make_url()), started,
                         "no_media: connect to the document: no document on the reader")
    result = run_kiosk("device", "idcard", "status", "--url", make_url())
    assert result.returncode == 0 and json.loads(result.stdout)["state"] == "user_error"  # usable: needs the citizen


def test_without_pcscd_status_is_no_device_and_read_fails_cleanly(pcsc_service, make_url, run_kiosk, tmp_path):
    nowhere = {"PCSCLITE_CSOCK_NAME": str(tmp_path / "no-pcscd.comm")}
    result = run_kiosk("device", "idcard", "status", "--url", make_url(), env=nowhere)
    assert result.returncode == 1
    assert json.loads(result.stdout)["state"] == "no_device"
    assert result.stderr.strip().startswith("error: no_device: pcscd is not running")
    started = time.monotonic()
    assert_clean_failure(run_kiosk("device", "idcard", "read", "--url", make_url(), env=nowhere), started,
                         "not_present: pcscd is not running")


def test_pcscd_going_away_turns_status_to_no_device(pcsc_service, make_url, run_kiosk):
    if not pcsc_service.private:
        pytest.skip("needs a private pcscd to stop (unshare not permitted here)")
    other = pcscd.start()
    try:
        url = make_url(reader=other.reader(0))
        result = run_kiosk("device", "idcard", "status", "--url", url, env=other.env)
        assert json.loads(result.stdout)["state"] == "user_error"  # reader there, no card
    finally:
        other.stop()
    result = run_kiosk("device", "idcard", "status", "--url", url, env=other.env)
    assert json.loads(result.stdout)["state"] == "no_device" and result.returncode == 1


@pytest.mark.parametrize(
    ("args", "expected"),
    [(["--url", "pcsc://x?mrz=L898902C<369080719406236"], "mrz: the birth date fails its check digit"),
     (["--url", "pcsc://x?doc=L898902C&birth=690806"], "needs doc=, birth= and expiry= together")],
)
def test_bad_pcsc_arguments_fail_cleanly(pcsc_service, run_kiosk, args, expected):
    started = time.monotonic()
    assert_clean_failure(run_kiosk("device", "idcard", "read", *args), started, expected)


def test_read_without_a_key_or_with_fingerprint_fails_cleanly(card, reader_name, make_url, run_kiosk):
    started = time.monotonic()
    assert_clean_failure(run_kiosk("device", "idcard", "read", "--url", f"pcsc://{quote(reader_name)}"), started,
                         "no access key")
    assert_clean_failure(run_kiosk("device", "idcard", "read", "--url", make_url(), "--with-fingerprint"), started,
                         "--with-fingerprint is for GA 467 readers")


def test_emulate_pcsc_plugs_a_document_into_vpcd(pcsc_service, run_kiosk):
    """The emulator in its own process, in vpcd's second slot; read through its printed URL."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1", **pcsc_service.env}
    process = subprocess.Popen(
        [run_kiosk.kiosk, "emulate", "pcsc", "--vpcd", f"127.0.0.1:{pcsc_service.port(1)}",
         "--reader", pcsc_service.reader(1), "--document", "permit-li-na"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        banner = json.loads(process.stdout.readline())
        assert banner["reader"] == pcsc_service.reader(1)
        host, port = banner["control"].split(":")
        _wait_for_status(run_kiosk, banner["url"], "online")
        result = run_kiosk("device", "idcard", "read", "--url", banner["url"])
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["document_number"] == "CK7654321"

        answer = send_control(host, int(port), {"op": "fault", "kind": "wrong_keys"})
        assert answer["ok"] and answer["faults"] == {"wrong_keys": True}
        result = run_kiosk("device", "idcard", "read", "--url", banner["url"])
        assert "access keys do not match" in result.stderr

        assert send_control(host, int(port), {"op": "remove_card"})["document"] is None
        _wait_for_status(run_kiosk, banner["url"], "user_error")
        answer = send_control(host, int(port), {"op": "insert_card", "document": {
            **parse(demo_mrz("permit-li-na")).to_json(), "document_number": "CX1234567"}})
        assert answer["document"]["document_number"] == "CX*****67"
        assert send_control(host, int(port), {"op": "nonsense"})["ok"] is False
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0
        process.stdout.close()
        process.stderr.close()


def _wait_for_status(run_kiosk, url: str, state: str) -> None:
    deadline = time.monotonic() + 20
    while True:
        result = run_kiosk("device", "idcard", "status", "--url", url)
        if result.stdout and json.loads(result.stdout)["state"] == state:
            return
        assert time.monotonic() < deadline, f"reader never became {state}: {result.stdout} {result.stderr}"
        time.sleep(0.2)


def test_emulate_pcsc_without_vpcd_fails_in_one_line(pcsc_service, run_kiosk):
    import socket

    with socket.socket() as probe:  # a port on which nothing listens
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    started = time.monotonic()
    assert_clean_failure(run_kiosk("emulate", "pcsc", "--vpcd", f"127.0.0.1:{port}"), started,
                         f"cannot reach vpcd at 127.0.0.1:{port}")
