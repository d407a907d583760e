"""`kiosk emulate payment-provider` as a real process: one JSON line, pays, stops on SIGTERM."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import httpx

from central.payments.provider import SimulatorProvider

KIOSK = [sys.executable, "-m", "kiosk.cli", "emulate", "payment-provider"]


def test_command_serves_notifies_and_stops(receiver, tmp_path):
    key_file = tmp_path / "key"
    key_file.write_bytes(b"site-key\n")
    process = subprocess.Popen([*KIOSK, "--port", "0", "--notify-url", receiver.url, "--key-file", str(key_file),
                                "--fault", "duplicate_notification"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        announce = json.loads(process.stdout.readline())
        assert announce["url"].startswith("http://127.0.0.1:") and announce["control"] == announce["url"] + "/control"
        with SimulatorProvider(announce["url"], b"site-key") as provider:
            provider.create_order("cli-1", 1500, "签注", datetime.now(UTC) + timedelta(minutes=2))
            httpx.post(f"{announce['control']}/pay", json={"order_id": "cli-1"}, timeout=5).raise_for_status()
            assert provider.verify_notification(*receiver.next()).paid_fen == 1500
            assert provider.verify_notification(*receiver.next()).order_id == "cli-1"
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
        process.stdout.close()
        process.stderr.close()


def test_command_refuses_a_busy_port_in_one_line():
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        result = subprocess.run([*KIOSK, "--port", str(busy.getsockname()[1])], capture_output=True, text=True,
                                timeout=30)
    assert result.returncode == 1
    assert result.stderr.startswith("error: cannot listen on 127.0.0.1:") and result.stderr.count("\n") == 1
