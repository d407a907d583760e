"""Central over TLS (`kiosk central serve --tls-cert --tls-key`, optionally requiring client
certificates), and kiosks that trust only the configured CA bundle. Central spoke plain HTTP
only. The CA is made for each test run (trustme)."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import trustme

from kiosk.central_client import CentralClient, CentralUnavailable

KIOSK = [str(Path(sys.executable).with_name("kiosk"))]


@pytest.fixture
def pki(tmp_path):
    ca = trustme.CA()
    server = ca.issue_cert("127.0.0.1", "localhost")
    files = {"ca": tmp_path / "ca.pem", "cert": tmp_path / "central.pem", "key": tmp_path / "central.key.pem"}
    ca.cert_pem.write_to_path(files["ca"])
    server.cert_chain_pems[0].write_to_path(files["cert"])
    for extra in server.cert_chain_pems[1:]:
        extra.write_to_path(files["cert"], append=True)
    server.private_key_pem.write_to_path(files["key"])
    client = ca.issue_cert("K-1")
    files["client_cert"], files["client_key"] = tmp_path / "kiosk.pem", tmp_path / "kiosk.key.pem"
    client.cert_chain_pems[0].write_to_path(files["client_cert"])
    client.private_key_pem.write_to_path(files["client_key"])
    other = trustme.CA()
    files["other_ca"] = tmp_path / "other-ca.pem"
    other.cert_pem.write_to_path(files["other_ca"])
    return {name: str(path) for name, path in files.items()}


@pytest.fixture
def serve(tmp_path):
    processes = []

    def start(*flags: str) -> str:
        process = subprocess.Popen(KIOSK + ["central", "serve", "--database", str(tmp_path / "central.db"),
                                            "--port", "0", "--dev", "--log-level", "warning", *flags],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        processes.append(process)
        line = process.stdout.readline()
        match = re.fullmatch(r"central listening on (https://127\.0\.0\.1:\d+)\n", line)
        assert match, (line, process.stderr.read() if process.poll() is not None else "")
        return match.group(1)

    yield start
    for process in processes:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=10)
        process.stdout.close()
        process.stderr.close()


def test_a_kiosk_speaks_to_central_over_tls_trusting_only_the_configured_ca(serve, pki):
    url = serve("--tls-cert", pki["cert"], "--tls-key", pki["key"])
    configured = f"{url}?ca={pki['ca']}"
    with CentralClient(configured, "K-1", CentralClient.enrol(configured, "K-1")) as kiosk:
        assert kiosk.heartbeat({})["ok"] is True and kiosk.ping()
    # A central whose certificate another CA signed (a man in the middle) is not trusted.
    with CentralClient(f"{url}?ca={pki['other_ca']}", "K-1", b"\x00" * 32) as fooled:
        with pytest.raises(CentralUnavailable, match="ConnectError"):
            fooled.heartbeat({})
    # Nor does the system's trust store know a site CA.
    with CentralClient(url, "K-1", b"\x00" * 32) as system:
        with pytest.raises(CentralUnavailable):
            system.heartbeat({})


def test_central_can_require_a_client_certificate(serve, pki):
    url = serve("--tls-cert", pki["cert"], "--tls-key", pki["key"], "--tls-client-ca", pki["ca"])
    with_cert = f"{url}?ca={pki['ca']}&cert={pki['client_cert']}&key={pki['client_key']}"
    with CentralClient(with_cert, "K-1", CentralClient.enrol(with_cert, "K-1")) as kiosk:
        assert kiosk.heartbeat({})["ok"] is True
    with CentralClient(f"{url}?ca={pki['ca']}", "K-1", b"\x00" * 32) as without:
        with pytest.raises(CentralUnavailable):
            without.heartbeat({})


def test_tls_options_are_checked(pki, tmp_path):
    with pytest.raises(ValueError, match="https"):
        CentralClient(f"http://127.0.0.1:1?ca={pki['ca']}", "K-1", b"")
    with pytest.raises(ValueError, match="unknown option"):
        CentralClient("https://127.0.0.1:1?verify=no", "K-1", b"")
    with pytest.raises(ValueError, match="TLS files"):
        CentralClient(f"https://127.0.0.1:1?ca={tmp_path / 'missing.pem'}", "K-1", b"")
    refused = subprocess.run(KIOSK + ["central", "serve", "--database", str(tmp_path / "c.db"), "--port", "0",
                                      "--tls-cert", pki["cert"]], capture_output=True, text=True, timeout=60)
    assert refused.returncode == 1 and "--tls-key" in refused.stderr and "Traceback" not in refused.stderr
    refused = subprocess.run(KIOSK + ["central", "serve", "--database", str(tmp_path / "c.db"), "--port", "0",
                                      "--tls-cert", pki["ca"], "--tls-key", pki["client_key"]],
                             capture_output=True, text=True, timeout=60)
    assert refused.returncode == 1 and refused.stderr.startswith("error: TLS") and "Traceback" not in refused.stderr
