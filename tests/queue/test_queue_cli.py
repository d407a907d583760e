"""`kiosk queue report`: the same report through the kiosk command, by file or by config."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from kiosk.config import default_config_text

KIOSK = str(Path(sys.executable).with_name("kiosk"))


def _kiosk(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([KIOSK, "queue", "report", *args], capture_output=True, text=True, timeout=60)


def test_report_of_a_healthy_queue_exits_zero(outbox):
    outbox.record_visit("v-1", "completed", {"service": "no_criminal_record"})
    result = _kiosk(str(outbox.path))
    assert result.returncode == 0, result.stderr
    assert "pending=1" in result.stdout and "dead=0" in result.stdout


def test_report_names_a_dead_item_and_exits_one(outbox):
    outbox.enqueue("odd", "odd-1", {"x": 1})
    outbox.mark_dead("odd-1", "kind: not a kind central knows")
    result = _kiosk(str(outbox.path))
    assert result.returncode == 1
    assert "odd-1" in result.stdout and "not a kind central knows" in result.stdout


def test_report_finds_the_outbox_through_the_config(outbox, tmp_path):
    outbox.record_visit("v-1", "completed", {"service": "no_criminal_record"})
    config = tmp_path / "kiosk.toml"
    text = default_config_text().replace('data_dir = "/var/lib/police-kiosk"', f'data_dir = "{outbox.path.parent}"')
    config.write_text(text, encoding="utf-8")
    if outbox.path.name != "outbox.db":
        outbox.path.parent.joinpath("outbox.db").symlink_to(outbox.path)
    result = _kiosk("--config", str(config))
    assert result.returncode == 0, result.stderr
    assert "pending=1" in result.stdout


def test_a_missing_outbox_is_one_line_and_exit_two(tmp_path):
    result = _kiosk(str(tmp_path / "nope.db"))
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "no outbox database" in result.stderr
