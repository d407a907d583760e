"""The README's operator walk-through: keys, a repository, the demo kiosk following its group,
a published config that turns one service off and changes the notice; the kiosk starts again on
it within its poll interval, shows it, and the fleet page shows the new version."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kiosk.commands.demo import DEMO_OPERATOR, DEMO_OPERATOR_PASSWORD, DEMO_POLL_S
from kiosk.config import load_config
from kiosk.demo_env import free_port
from support.browser import HAVE_CHROMIUM, chromium, log_in
from support.kiosk_process import kiosk_process, stop
from support.kiosk_ui import QuietRunner

ROOT = Path(__file__).resolve().parents[2]
GROUP = "district-a"
NOTICE = "临时身份证明今日暂停办理"


def kiosk(*args: str, cwd: Path) -> str:
    done = subprocess.run([sys.executable, "-m", "kiosk.cli", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def district_a(example: str) -> str:
    """What the README's sed makes of config/operator.example.toml."""
    text = re.sub(r'(?m)^(id = "temporary_id")$', r"\1\nenabled = false", example)
    text = re.sub(r"(?m)^text = .*维护.*$",
                  f'text = {{ zh = "{NOTICE}", en = "Temporary certificates are paused today" }}', text)
    text = re.sub(r"(?m)^until_date.*\n", "", text)
    return text.replace("poll_s = 300", "poll_s = 10").replace("jitter_s = 60", "jitter_s = 0")


def test_readme_sed_makes_the_same_file():
    """The README's sed and this test's rewrite of the example agree (sed is Debian's)."""
    readme = (ROOT / "README.md").read_text()
    command = re.search(r"(?ms)^(sed -e '/\^id = \"temporary_id\"/a.*?> operator-demo/district-a\.toml)$", readme)
    assert command, "the README's sed command for district-a.toml is gone"
    sed = command.group(1).replace("\\\n", " ").replace("config/operator.example.toml", "-").replace(
        "> operator-demo/district-a.toml", "")
    done = subprocess.run(["bash", "-c", sed], input=(ROOT / "config/operator.example.toml").read_text(),
                          capture_output=True, text=True, check=True)
    assert done.stdout == district_a((ROOT / "config/operator.example.toml").read_text())


def test_the_new_config_on_screen(qtbot, tmp_path):
    """The config as the kiosk loads it: the attract screen shows the notice, the tile is gone."""
    import tomllib

    from kiosk.services import build_services
    from kiosk.session import Session
    from screens.app import make_window

    operator = tomllib.loads(district_a((ROOT / "config/operator.example.toml").read_text()))
    config = load_config(None, {"data_dir": str(tmp_path)}, operator=operator)
    session = Session(config, QuietRunner(), build_services(config))
    window = make_window(session, size=(1080, 1920))
    qtbot.addWidget(window)
    try:
        qtbot.waitUntil(lambda: window.view.state == "attract")
        assert NOTICE in window.pages["attract"].notices.text()
        session.touch()
        qtbot.waitUntil(lambda: window.view.state == "home")
        tiles = [tile.id for tile in window.view.tiles]
        assert "temporary_id" not in tiles and "no_criminal_record" in tiles
    finally:
        window.shutdown()


@pytest.mark.skipif(not HAVE_CHROMIUM, reason="Debian's chromium is not installed")
def test_demo_kiosk_takes_the_published_config_and_the_fleet_page_shows_it(tmp_path):
    kiosk("admin", "keygen", "--out", "keys", cwd=tmp_path)
    kiosk("admin", "repo", "init", "--keys", "keys", "--repo", "repo", cwd=tmp_path)
    port = free_port()
    log = tmp_path / "demo.log"
    with kiosk_process(["demo", "--tuf-repo", "repo", "--group", GROUP, "--tuf-timestamp-key", "keys/timestamp-1.pem",
                        "--central-port", str(port), "--printer-port", str(free_port())], log, cwd=tmp_path) as proc:
        wait_for(log, proc, f"runs operator config none yet of group {GROUP}", 60)
        (tmp_path / "district-a.toml").write_text(district_a((ROOT / "config/operator.example.toml").read_text()))
        kiosk("admin", "config", "publish", "district-a.toml", "--group", GROUP, "--keys", "keys", "--repo", "repo",
              cwd=tmp_path)
        published = time.monotonic()
        wait_for(log, proc, f"runs operator config version 1 of group {GROUP}", DEMO_POLL_S + 30)
        # Within one poll interval, plus the restart of the core (a few seconds here, under load).
        assert time.monotonic() - published < DEMO_POLL_S + 30

        with chromium() as browser:  # the heartbeat of the core started on version 1 shows there
            page = browser.new_page()
            log_in(page, f"http://127.0.0.1:{port}", DEMO_OPERATOR, DEMO_OPERATOR_PASSWORD)
            deadline = time.monotonic() + 30
            while not page.locator("td.config").first.inner_text().startswith("1 / 1"):
                assert time.monotonic() < deadline, page.locator("td.config").first.inner_text()
                time.sleep(1)
                page.reload()
        assert stop(proc) == 0
    text = log.read_text()
    assert "Traceback" not in text, text[text.find("Traceback") - 300:][:5000]


def wait_for(log: Path, proc: subprocess.Popen, text: str, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while text not in log.read_text():
        assert proc.poll() is None, log.read_text()
        assert time.monotonic() < deadline, f"no {text!r} within {timeout_s} s:\n{log.read_text()[-3000:]}"
        time.sleep(0.3)
