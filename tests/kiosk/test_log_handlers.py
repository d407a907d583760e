"""Every handler the kiosk installs, fed ID numbers, names and phone numbers in every way a
log line can carry them, in a process of its own: the log file, stderr (plain and as the
journal, with syslog priorities), the diagnostics screen's buffer, Qt's messages, and the
tracebacks Python prints for uncaught exceptions. None of it may come out whole."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ID18, ID15 = "11010519491231002X", "110105491231002"
NAME = "欧阳娜娜"
MOBILE, MOBILE_SPACED, LANDLINE = "13812345678", "+86 139 1234 5678", "010-62345678"
SECRETS = [ID18, ID18.lower(), ID15, NAME, MOBILE, "1234 5678", "62345678"]

PROGRAM = textwrap.dedent(f"""
    import logging, sys, threading
    from types import SimpleNamespace
    from PySide6.QtCore import qWarning
    from kiosk.diagnostics import RecentLog
    from kiosk.logs import setup_logging
    from kiosk.visit import Visit
    from screens.app import log_qt_messages

    log_dir, recent_path = sys.argv[1], sys.argv[2]
    setup_logging(log_dir)
    recent = RecentLog()
    logging.getLogger().addHandler(recent)
    log_qt_messages()
    visit = Visit(id="v-1")
    visit.card = SimpleNamespace(name={NAME!r})  # a card in the visit: its holder's name is known
    log = logging.getLogger("kiosk.test")

    log.info("card %s read for %s, phone %s", {ID18!r}, {NAME!r}, {MOBILE!r})
    log.warning("old card " + {ID15!r} + " and " + {MOBILE_SPACED!r} + ", office " + {LANDLINE!r})
    log.info("lower case %s", {ID18.lower()!r})
    try:
        try:
            raise KeyError({ID15!r})
        except KeyError as first:
            raise ValueError("no record for " + {ID18!r} + " of " + {NAME!r}) from first
    except ValueError:
        log.exception("lookup failed")
    log.error("with extra", extra={{"citizen": {MOBILE!r}}})
    number = {ID18!r}
    log.warning("here", stack_info=True)
    def fail():
        raise RuntimeError("in a thread: " + {ID18!r})
    worker = threading.Thread(target=fail, name="phone-" + {MOBILE!r})
    worker.start()
    worker.join()
    qWarning("Qt warns about " + {ID18!r})
    with open(recent_path, "w", encoding="utf-8") as out:
        out.write("\\n".join(recent.lines))
    raise LookupError("uncaught " + {ID15!r} + " " + {NAME!r})
""")


def _run(tmp_path: Path, journal: bool) -> dict[str, str]:
    stderr_path, recent_path = tmp_path / "stderr.txt", tmp_path / "recent.txt"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"}
    env.pop("JOURNAL_STREAM", None)
    with open(stderr_path, "wb") as stderr:
        if journal:  # as systemd sets it: the device and inode of the stream it gave us
            stat = os.fstat(stderr.fileno())
            env["JOURNAL_STREAM"] = f"{stat.st_dev}:{stat.st_ino}"
        result = subprocess.run([sys.executable, "-c", PROGRAM, str(tmp_path / "logs"), str(recent_path)],
                                stdout=subprocess.DEVNULL, stderr=stderr, env=env, timeout=60, cwd=tmp_path)
    assert result.returncode == 1  # the uncaught exception at the end
    return {"file": (tmp_path / "logs" / "kiosk.log").read_text(encoding="utf-8"),
            "stderr": stderr_path.read_text(encoding="utf-8"),
            "recent": recent_path.read_text(encoding="utf-8")}


@pytest.mark.parametrize("journal", [False, True], ids=["stderr", "journal"])
def test_no_handler_lets_personal_data_through(tmp_path, journal):
    outputs = _run(tmp_path, journal)
    for where, text in outputs.items():
        leaked = [secret for secret in SECRETS if secret in text]
        assert leaked == [], f"{where} shows {leaked}:\n{text}"
        # What was logged is there, masked: the test sees the lines it guards.
        assert "1101**********002X" in text and "欧**娜" in text and "138****5678" in text, where
        assert "Traceback" in text and "lookup failed" in text and "Qt warns about 1101" in text, where
    for where, text in outputs.items():
        assert "uncaught exception in thread phone-138****5678" in text, where
    for where in ("file", "stderr"):  # the buffer is written out before the last one
        text = outputs[where]
        assert "uncaught exception\n" in text and "LookupError: uncaught 1101*******1002 欧**娜" in text, where


def test_the_journal_gets_a_priority_on_every_line(tmp_path):
    lines = _run(tmp_path, journal=True)["stderr"].splitlines()
    assert lines and all(line[:3] in ("<2>", "<3>", "<4>", "<6>", "<7>") for line in lines), lines
    assert "<6>INFO kiosk.test: card 1101**********002X" in lines[0]
    traceback = lines[lines.index("<3>ERROR kiosk.test: lookup failed") + 1:]
    assert traceback[0] == "<3>Traceback (most recent call last):"  # the error's lines keep its priority
    assert any(line.startswith("<2>CRITICAL kiosk.uncaught: uncaught exception") for line in lines)


def test_plain_stderr_has_no_priorities_and_a_timestamp(tmp_path):
    stderr = _run(tmp_path, journal=False)["stderr"]
    assert "<6>" not in stderr and "<3>" not in stderr
    assert stderr.splitlines()[0][:4].isdigit()  # 2026-… : the time, as in the file


def test_the_log_file_rotates_within_its_bound(tmp_path):
    program = textwrap.dedent("""
        import logging, sys
        from kiosk.logs import setup_logging
        setup_logging(sys.argv[1], max_bytes=20_000, backups=3)
        for i in range(2_000):
            logging.getLogger("kiosk.test").info("line %05d of a long day %s", i, "x" * 60)
    """)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("JOURNAL_STREAM", None)
    subprocess.run([sys.executable, "-c", program, str(tmp_path)], check=True, env=env, timeout=60,
                   stderr=subprocess.DEVNULL)
    files = sorted(path.name for path in tmp_path.iterdir())
    assert files == ["kiosk.log", "kiosk.log.1", "kiosk.log.2", "kiosk.log.3"]
    assert all((tmp_path / name).stat().st_size <= 20_000 for name in files)
    assert "line 01999" in (tmp_path / "kiosk.log").read_text()
