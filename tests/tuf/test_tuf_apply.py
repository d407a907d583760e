"""Applying an operator config: only between visits, never half, and falling back when the
kiosk cannot start with it."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from kiosk.config import ConfigError
from kiosk.config_updates import ConfigUpdates
from kiosk.config_updates.startup import start_with_fallback
from kiosk.config_updates.store import CURRENT, GOOD, ConfigStore
from kiosk.core import KioskCore
from kiosk.demo_env import DemoEnvironment
from kiosk.operator_config import read_operator_file

from support.signed_config import GROUP

ROOT = Path(__file__).resolve().parents[2]

NOTICE = {"text": {"zh": "今晚系统维护", "en": "Maintenance tonight"}}


def test_a_config_arriving_during_a_visit_is_applied_after_it(tmp_path, repo, keys, served, trust):
    overrides = {"speech.enabled": False, "updates.group": GROUP, "updates.url": served,
                 "updates.trust": str(trust), "updates.state_dir": str(tmp_path / "state")}
    with DemoEnvironment(tmp_path / "demo", overrides=overrides) as env:
        applied = []
        updates = ConfigUpdates(env.config, on_applied=applied.append)
        core = KioskCore(env.config, config_updates=updates)
        try:
            core.session.touch()  # a citizen at the home screen: a visit has begun
            assert not core.idle()
            repo.publish(GROUP, {"notices": [NOTICE]}, keys)
            updates.poll_once()
            assert updates.pending()
            core.between_visits()
            assert applied == [] and updates.store.running_version() == 0
            status = core.heartbeat_status()["operator_config"]
            assert (status["running"], status["staged"], status["seen"]) == (0, 1, 1)

            core.session.cancel()  # the visit ends
            assert core.idle()
            core.between_visits()
            assert [doc["version"] for doc in applied] == [1]
            status = core.heartbeat_status()["operator_config"]
            assert (status["running"], status["staged"], status["rejected"]) == (1, None, None)
        finally:
            core.stop()


def test_a_config_arriving_while_a_technician_is_in_the_mode_is_applied_after_they_leave(
        tmp_path, repo, keys, served, trust):
    from kiosk.diagnostics import Diagnostics, hash_pin
    from kiosk.pin import CHEAPEST

    overrides = {"speech.enabled": False, "updates.group": GROUP, "updates.url": served,
                 "updates.trust": str(trust), "updates.state_dir": str(tmp_path / "state"),
                 "diagnostics.pin_hash": hash_pin("2468", **CHEAPEST)}
    with DemoEnvironment(tmp_path / "demo", overrides=overrides) as env:
        applied = []
        updates = ConfigUpdates(env.config, on_applied=applied.append)
        core = KioskCore(env.config, config_updates=updates)
        diagnostics = Diagnostics(core)
        try:
            assert diagnostics.enter("technician", "2468")
            assert core.idle() and not core.unattended()  # no citizen, but a technician at work
            repo.publish(GROUP, {"notices": [NOTICE]}, keys)
            updates.poll_once()
            core.between_visits()
            assert applied == [] and updates.store.running_version() == 0 and updates.pending()

            diagnostics.exit()
            core.between_visits()
            assert [doc["version"] for doc in applied] == [1]
        finally:
            diagnostics.close()
            core.stop()


def test_kiosk_run_starts_again_on_a_new_config_only_once_the_technician_has_left(qtbot, tmp_path):
    """serve_cores, as `kiosk run` uses it: a config applied while the mode is open restarts the
    core only after the technician's exit; a stop while the mode is open records their exit."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from kiosk.commands.run import serve_cores
    from kiosk.diagnostics import Diagnostics, hash_pin
    from kiosk.pin import CHEAPEST

    app = QApplication.instance()
    overrides = {"speech.enabled": False, "diagnostics.pin_hash": hash_pin("2468", **CHEAPEST)}
    with DemoEnvironment(tmp_path, overrides=overrides) as env:
        cores, running_at_exit = [], []

        def start(applied):
            cores.append(KioskCore(env.config).start(ticker=False))
            if len(cores) == 1:
                applied.set()  # as the updater does once it has applied a new version
            return cores[-1]

        def show(core):
            diagnostics = Diagnostics(core)
            assert diagnostics.enter("technician", "2468")
            if len(cores) == 1:  # the technician stays 2 s, then leaves: then the core starts again
                QTimer.singleShot(2000, lambda: (running_at_exit.append(len(cores)), diagnostics.exit()))
            else:  # the second core is stopped (SIGTERM) with the technician still in the mode
                QTimer.singleShot(500, app.quit)
            return diagnostics.close

        serve_cores(app, start, show)
        assert running_at_exit == [1] and len(cores) == 2
        steps = [(e["action"], e["detail"].get("reason")) for e in cores[-1].audit.entries()]
        assert steps == [("enter", None), ("exit", "closed"), ("enter", None), ("exit", "shutdown")]


def test_the_kiosk_starts_on_the_applied_config(tmp_path):
    overrides = {"data_dir": str(tmp_path / "kiosk"), "updates.group": GROUP}
    store = ConfigStore(tmp_path / "kiosk" / "operator-config")
    operator = read_operator_file(ROOT / "config" / "operator.example.toml")
    operator["services"] = [s for s in operator["services"] if s["id"] != "temporary_id"][::-1]
    operator["notices"] = [NOTICE]
    store.stage({"group": GROUP, "version": 1, "config": operator})
    store.apply_staged()
    _started, config = start_with_fallback(None, overrides, lambda c: "core")
    expected = [s["id"] for s in operator["services"]]
    assert "temporary_id" not in expected and expected[-1] == "no_criminal_record"  # reversed
    assert [s.id for s in config.services] == expected
    assert config.notices[0].text.en == "Maintenance tonight"
    assert "rejected" not in store.status()
    assert config.devices["printer"].url.startswith("escpos+tcp://")  # the machine's own, kept
    assert store.read(GOOD)["version"] == 1


def test_a_config_the_kiosk_cannot_start_with_falls_back_to_the_last_good_one(tmp_path):
    overrides = {"data_dir": str(tmp_path / "kiosk"), "updates.group": GROUP}
    store = ConfigStore(tmp_path / "kiosk" / "operator-config")
    good = {"group": GROUP, "version": 1, "config": {"language": "en"}}
    store.stage(good)
    store.apply_staged()
    start_with_fallback(None, overrides, lambda c: c)
    # Valid by the schema, but this kiosk's software has no such service (say, an older build).
    bad = {"group": GROUP, "version": 2, "config": {"services": [{"id": "pickup", "title": {"zh": "领证"}}]}}
    store.stage(bad)
    store.apply_staged()
    started, config = start_with_fallback(None, overrides, lambda c: c)
    assert config.language == "en" and [s.id for s in config.services][0] == "no_criminal_record"
    assert store.read(CURRENT) == good
    rejected = store.status()["rejected"]
    assert rejected["version"] == 2 and rejected["fallback"] is True
    assert "kiosk cannot start with version 2" in rejected["reason"] and "pickup" in rejected["reason"]

    # A core that fails on the new config (not the loading) is refused the same way.
    store.stage({"group": GROUP, "version": 3, "config": {"language": "zh"}})
    store.apply_staged()

    def start(config):
        if config.language == "zh":
            raise RuntimeError("cannot open the receipt printer's font")
        return config

    _started, config = start_with_fallback(None, overrides, start)
    assert config.language == "en" and store.read(CURRENT) == good
    assert store.status()["rejected"]["version"] == 3


def test_a_kiosk_that_cannot_start_at_all_blames_no_config(tmp_path):
    overrides = {"data_dir": str(tmp_path / "kiosk"), "updates.group": GROUP}
    store = ConfigStore(tmp_path / "kiosk" / "operator-config")
    store.stage({"group": GROUP, "version": 1, "config": {"language": "en"}})
    store.apply_staged()

    def start(config):
        raise RuntimeError("no kiosk credentials")

    with pytest.raises(RuntimeError, match="no kiosk credentials"):
        start_with_fallback(None, overrides, start)
    assert store.running_version() == 1 and "rejected" not in store.status()


APPLY = textwrap.dedent("""
    import os, signal, sys
    from kiosk.config_updates.store import ConfigStore

    kill_at, calls = int(sys.argv[2]), [0]

    def step(real):
        def wrapped(*args, **kwargs):
            calls[0] += 1
            if calls[0] == kill_at:
                os.kill(os.getpid(), signal.SIGKILL)
            return real(*args, **kwargs)
        return wrapped

    os.replace, os.fsync = step(os.replace), step(os.fsync)  # every step that reaches the disk
    store = ConfigStore(sys.argv[1])
    doc = {"group": "district-a", "version": 2, "config": {"language": "en", "timeouts": {"default_s": 90}}}
    store.stage(doc)
    store.apply_staged()
    store.confirm(doc)
    print("steps", calls[0])
""")


def test_kill_9_at_each_step_of_applying_never_leaves_a_broken_config(tmp_path):
    old = {"group": GROUP, "version": 1, "config": {"language": "zh"}}
    new_config = {"language": "en", "timeouts": {"default_s": 90}}
    full = subprocess.run([sys.executable, "-c", APPLY, str(tmp_path / "count"), "0"],
                          capture_output=True, text=True, check=True)
    steps = int(full.stdout.split()[-1])
    assert steps >= 6
    overrides = {"data_dir": str(tmp_path / "kiosk"), "updates.group": GROUP}
    for kill_at in range(1, steps + 1):
        state = tmp_path / "kiosk" / "operator-config"
        store = ConfigStore(state)
        for name in list(state.iterdir()):
            name.unlink()
        store.stage(old)
        store.apply_staged()
        store.confirm(old)
        run = subprocess.run([sys.executable, "-c", APPLY, str(state), str(kill_at)], capture_output=True)
        assert run.returncode == -9, (kill_at, run.stderr)
        for name in (CURRENT, GOOD, "staged.json"):  # each file whole, or absent
            if (state / name).exists():
                json.loads((state / name).read_text())
        current = store.read(CURRENT)
        assert current["config"] in (old["config"], new_config), kill_at
        try:
            _started, config = start_with_fallback(None, overrides, lambda c: c)
        except ConfigError as exc:
            pytest.fail(f"killed at step {kill_at}: the kiosk cannot start: {exc}")
        assert config.language == current["config"]["language"]  # the old config or the new, whole
        assert "rejected" not in store.status()
        # Carrying on, what was staged is applied (killed before staging landed, the updater
        # would download it again).
        store.apply_staged()
        assert store.running_version() == (2 if kill_at > 2 else 1), kill_at  # step 2 renames staged.json into place


def test_a_round_that_cannot_write_leaves_the_updater_polling(tmp_path, repo, keys, served, trust):
    """A round failing on the disk (here its status file cannot be replaced) is logged; the
    thread keeps polling and the next round, the disk fine again, stages the config."""
    import threading

    from kiosk.config import load_config

    state = tmp_path / "state"
    config = load_config(None, {"data_dir": str(tmp_path / "kiosk"), "updates.group": GROUP, "updates.url": served,
                                "updates.trust": str(trust), "updates.state_dir": str(state),
                                "updates.poll_s": 5, "updates.jitter_s": 0})
    updates = ConfigUpdates(config)
    repo.publish(GROUP, {"notices": [NOTICE]}, keys)
    (state / "status.json").mkdir(parents=True)  # os.replace onto a directory fails
    stop = threading.Event()
    thread = threading.Thread(target=updates.run, args=(stop,), daemon=True)
    thread.start()
    try:
        updates.wake()
        deadline = time.monotonic() + 10
        while not (state / "status.json.partial").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert (state / "status.json.partial").exists()  # the failed round's write
        time.sleep(0.3)
        assert thread.is_alive()
        (state / "status.json").rmdir()
        updates.wake()
        while not updates.pending() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert updates.pending() and thread.is_alive()
    finally:
        stop.set()
        updates.wake()
        thread.join(5)


def test_the_updater_and_the_heartbeat_write_the_status_one_at_a_time(tmp_path):
    """Both threads of a running kiosk update status.json (the round's findings, central's
    release): neither write fails on the other's rename, and neither loses the other's field."""
    import threading

    store = ConfigStore(tmp_path / "state")
    failures = []

    def write(field: str) -> None:
        try:
            for n in range(300):
                store.update_status(**{field: n})
        except OSError as exc:
            failures.append(exc)

    threads = [threading.Thread(target=write, args=(field,)) for field in ("seen", "release")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert (store.status()["seen"], store.status()["release"]) == (299, 299)
