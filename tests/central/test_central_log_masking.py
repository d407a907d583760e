"""Central's own log handlers (uvicorn's) mask ID numbers and phones, tracebacks included."""

from __future__ import annotations

import logging

from central.app import create_app
from central.server import server_for

ID18 = "11010519491231002X"


def test_uvicorn_handlers_mask_tracebacks(tmp_path, capfd):
    app = create_app(f"sqlite:///{tmp_path / 'central.db'}")
    server_for(app, "info")
    try:
        raise ValueError(f"cannot store applicant {ID18} (13812345678)")
    except ValueError:
        logging.getLogger("uvicorn.error").exception("Exception in ASGI application")
    app.state.engine.dispose()
    err = capfd.readouterr().err
    assert "Traceback" in err and "1101**********002X" in err
    assert ID18 not in err and "13812345678" not in err


def test_under_the_journal_each_line_has_a_syslog_priority(tmp_path):
    """`kiosk central serve` with stderr as systemd's journal stream (JOURNAL_STREAM names it)."""
    import os
    import signal
    import subprocess
    import sys
    import time

    stderr_path = tmp_path / "stderr.txt"
    with open(stderr_path, "wb") as stderr:
        stat = os.fstat(stderr.fileno())
        process = subprocess.Popen(
            [sys.executable, "-m", "kiosk.cli", "central", "serve", "--database", str(tmp_path / "central.db"),
             "--port", "0", "--log-level", "info"],
            stdout=subprocess.DEVNULL, stderr=stderr,
            env={**os.environ, "JOURNAL_STREAM": f"{stat.st_dev}:{stat.st_ino}"})
    try:
        deadline = time.monotonic() + 60
        while "startup complete" not in stderr_path.read_text() and time.monotonic() < deadline:
            assert process.poll() is None, stderr_path.read_text()
            time.sleep(0.1)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=15)
    lines = stderr_path.read_text().splitlines()
    assert "<6>INFO uvicorn.error: Application startup complete." in lines, lines
    assert all(line[:3] in ("<2>", "<3>", "<4>", "<6>", "<7>") for line in lines), lines
