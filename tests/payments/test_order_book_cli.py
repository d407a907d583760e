"""`kiosk central payments` and `kiosk central serve --payment-provider` as real processes."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from central.payments import notification
from central.payments.orders import provider_order_id
from central.payments.simulator import DEFAULT_KEY, ProviderSimulator
from kiosk.central_client import CentralClient, KioskSignature

KIOSK = [str(Path(sys.executable).with_name("kiosk"))]


def _payments(database: str) -> subprocess.CompletedProcess:
    return subprocess.run([*KIOSK, "central", "payments", "--database", database], capture_output=True, text=True,
                          timeout=60)


def test_payments_command_reports_the_ledger(shop, paid):
    for n in (1, 2, 3):
        assert shop.open(f"visit-{n}:pay", 1000 * n).status_code == 200
    shop.pay("visit-1:pay")  # delivered
    shop.fault("notification_lost")
    shop.pay("visit-2:pay")
    assert shop.post("cancel", {"order_id": "visit-2:pay"}).json()["state"] == "refunded"
    deadline = time.monotonic() + 8
    while shop.row("visit-1:pay").delivery != "delivered" and time.monotonic() < deadline:
        time.sleep(0.05)
    result = _payments(shop.database)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"orders": {"paid": 1, "refunded": 1, "created": 1}, "charged_fen": 3000,
                                         "refunded_fen": 2000, "unreconciled": 0}

    paid.BROKEN = True  # money taken, nothing delivered yet: the operator sees it
    shop.fault("notification_lost", active=False)
    shop.pay("visit-3:pay")
    while shop.row("visit-3:pay").delivery != "pending" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert json.loads(_payments(shop.database).stdout)["unreconciled"] == 1


def test_payments_of_a_missing_database_is_one_clear_line(tmp_path):
    result = _payments(str(tmp_path / "nowhere.db"))
    assert result.returncode == 1
    assert result.stderr.strip() == f"error: no central database at {tmp_path / 'nowhere.db'}"


def _serve(tmp_path, *flags: str) -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen([*KIOSK, "central", "serve", "--database", str(tmp_path / "central.db"), "--port", "0",
                                "--dev", "--log-level", "warning", *flags],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = process.stdout.readline()
    match = re.fullmatch(r"central listening on (http://127\.0\.0\.1:\d+)\n", line)
    assert match, (line, process.stderr.read() if process.poll() is not None else "")
    return process, match.group(1)


def _stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    # uvicorn stops gracefully, then re-raises the SIGTERM it caught
    assert process.wait(timeout=30) in (0, -signal.SIGTERM)
    process.stdout.close()
    process.stderr.close()


def test_serve_with_a_payment_provider_and_its_key(tmp_path):
    key_file = tmp_path / "pay.key"
    key_file.write_bytes(b"site-key\n")
    with ProviderSimulator(key=b"site-key") as sim:
        process, url = _serve(tmp_path, "--payment-provider", sim.url, "--payment-key-file", str(key_file))
        try:
            auth = KioskSignature("K-1", CentralClient.enrol(url, "K-1"))
            opened = httpx.post(f"{url}/api/v1/payments/orders", auth=auth, json={
                "order_id": "v:pay", "visit_id": "v", "service": "temporary_id", "request": {}})
            # payments are on: the answer is about the service, not 503
            assert (opened.status_code, opened.json()) == (404, {"detail": "service 'temporary_id' takes no payment"})
            body = json.dumps({"order_id": provider_order_id("nobody:pay"), "provider_ref": "SIMx", "state": "paid",
                               "paid_fen": 100, "paid_at": None}).encode()
            with_file_key = httpx.post(f"{url}/api/v1/payments/notify", content=body,
                                       headers=notification.signed_headers(b"site-key", body))
            assert with_file_key.json() == {"detail": "unknown_order"}  # believed, then not found
            with_demo_key = httpx.post(f"{url}/api/v1/payments/notify", content=body,
                                       headers=notification.signed_headers(DEFAULT_KEY, body))
            assert with_demo_key.json() == {"detail": "bad_notification"}
        finally:
            _stop(process)


def test_serve_without_a_provider_answers_503(tmp_path):
    process, url = _serve(tmp_path)
    try:
        auth = KioskSignature("K-1", CentralClient.enrol(url, "K-1"))
        response = httpx.post(f"{url}/api/v1/payments/status", auth=auth, json={"order_id": "v:pay"})
        assert (response.status_code, response.json()) == (503, {"detail": "payments_unavailable"})
    finally:
        _stop(process)


def test_payment_key_file_without_a_provider_is_one_clear_line(tmp_path):
    (tmp_path / "k").write_bytes(b"k")
    result = subprocess.run([*KIOSK, "central", "serve", "--database", str(tmp_path / "c.db"), "--payment-key-file",
                             str(tmp_path / "k")], capture_output=True, text=True, timeout=60)
    assert (result.returncode, result.stderr) == (1, "error: --payment-key-file needs --payment-provider\n")
