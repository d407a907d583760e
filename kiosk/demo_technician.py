"""The demo's technician, from the console and as central sees them (`kiosk demo`).

The demo's kiosk config is the packaged one (or --config) with run-time overrides, which only the
demo process holds; `write_config` puts the effective one in a TOML file so that `kiosk diag
--config FILE` works on the running demo. `console_tour` runs the technician's console steps as
a technician would type them, each a `kiosk diag` process (the printer's fault injected and
cleared through its emulator's control port, with `kiosk emulate control`); `central_audit`
waits until central has the given audit entries (the running kiosk's outbox delivers them) and
returns them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable

from tomli_w import dumps

from kiosk.config import config_data

CONSOLE_MESSAGE = "打印机维护中，请稍后再来。Printer maintenance: please come back shortly."


def write_config(path: Path, config_path: str | None, overrides: dict) -> Path:
    """The effective config as TOML, readable by the kiosk's user only (it holds the PIN hash)."""
    text = dumps(config_data(config_path, overrides))
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        out.write(text)
    return path


def diag_command(config_file: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "kiosk.cli", "diag", "--config", str(config_file), *args]


def emulator_command(control: str, command: dict) -> list[str]:
    """`kiosk emulate control` to the emulator whose control port is `control` ("host:port")."""
    host, _, port = control.rpartition(":")
    return [sys.executable, "-m", "kiosk.cli", "emulate", "control", "--host", host, "--port", port,
            json.dumps(command)]


def run_command(command: list[str], *, pump: Callable[[], None], timeout_s: float = 60) -> tuple[int, str]:
    """One console step; the kiosk's window keeps being served (`pump`) while it runs."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + timeout_s
    while process.poll() is None:
        if time.monotonic() > deadline:
            process.kill()
            process.wait()
            raise TimeoutError(f"{' '.join(command[3:])} took over {timeout_s:.0f} s")
        pump()
    return process.returncode, process.stdout.read() + process.stderr.read()


def run_diag(config_file: Path, *args: str, pump: Callable[[], None], timeout_s: float = 60) -> tuple[int, str]:
    """One `kiosk diag` step (its output: stdout, then stderr)."""
    return run_command(diag_command(config_file, *args), pump=pump, timeout_s=timeout_s)


def console_tour(config_file: Path, printer_control: str, *, pump: Callable[[], None],
                 wait_state: Callable[[str], None], wait_fault: Callable[[], None],
                 echo: Callable[[str], None]) -> None:
    """As a technician on the kiosk's shell would, each step required to succeed: the printer
    runs out of paper (a fault injected through its emulator's control port, `printer_control`),
    the kiosk's overview in `kiosk diag status` shows it, paper is loaded (the fault cleared) and
    the printer reconnected, its self-test passes, the kiosk goes out of service with a message
    and back. `wait_fault()`: until the running kiosk's poll has seen the printer's fault (the
    technician looks once it has); `wait_state(state)`: until the citizens' screen shows it."""

    def fault_shown(said: str) -> None:
        if "printer hardware_error" not in said:
            raise RuntimeError(f"kiosk diag status does not show the printer's fault ({said})")

    steps = [({"op": "fault", "kind": "paper_out"}, lambda _said: wait_fault()),
             (("status",), fault_shown),
             ({"op": "clear_fault"}, None),
             (("reconnect", "printer"), None),
             (("selftest", "printer"), None),
             (("service", "off", "--message", CONSOLE_MESSAGE), lambda _said: wait_state("out_of_service")),
             (("service", "on"), lambda _said: wait_state("attract"))]  # the kiosk picks it up within seconds
    for step, then in steps:
        if isinstance(step, dict):
            code, output = run_command(emulator_command(printer_control, step), pump=pump)
            shown = f"kiosk emulate control --port {printer_control.rpartition(':')[2]} '{json.dumps(step)}'"
        else:
            code, output = run_diag(config_file, *step, pump=pump)
            shown = "kiosk diag " + " ".join(a if " " not in a else repr(a) for a in step)
        said = _gist(step, output)
        echo(f"demo: console: {shown} → exit {code}" + (f" ({said})" if said else ""))
        if code != 0:
            raise RuntimeError(f"{shown} failed (exit {code}): {output.strip()[-300:]}")
        if then is not None:
            then(said)


def _gist(step, output: str) -> str:
    """What a step said, in a few words: the devices status finds not online, a self-test's
    state and summary, a device's state after a reconnect, a service change's line."""
    if isinstance(step, dict):
        return ""
    try:
        if step[0] == "status":
            overview = json.loads(output)["overview"] or {}
            faults = [f"{name} {device['state']}" for name, device in (overview.get("devices") or {}).items()
                      if device["state"] != "online"]
            return "not online: " + ", ".join(faults) if faults else "every device online"
        if step[0] == "selftest":
            result = json.loads(output)
            return f"{result['state']}: {result['summary']}"
        if step[0] == "reconnect":
            return f"printer {json.loads(output)['state']}"
    except (ValueError, KeyError, TypeError, AttributeError):
        return ""
    return output.strip().splitlines()[-1][:100] if output.strip() else ""


def central_audit(database_url: str, kiosk_id: str, ids: list[str], *, wake: Callable[[], None],
                  pump: Callable[[], None], timeout_s: float = 30) -> list[dict]:
    """The entries `ids` as central has them, in the order of `ids`; TimeoutError if some are
    still missing after `timeout_s`."""
    from central.stats import audit

    deadline = time.monotonic() + timeout_s
    while True:
        have = {entry["id"]: entry for entry in audit(database_url, kiosk_id=kiosk_id, limit=10_000)}
        if all(i in have for i in ids):
            return [have[i] for i in ids]
        if time.monotonic() > deadline:
            missing = len([i for i in ids if i not in have])
            raise TimeoutError(f"{missing} of {len(ids)} audit entries not at central after {timeout_s:.0f} s")
        wake()
        end = time.monotonic() + 0.3
        while time.monotonic() < end:
            pump()


def describe(entry: dict) -> str:
    """One audit entry in a line: who, what, how it went, what about (never personal data: the
    entries carry none)."""
    detail = entry.get("detail") or {}
    about = " ".join(f"{k}={detail[k]}" for k in ("device", "op", "kind", "state", "reason") if k in detail)
    return f"{entry['actor']} {entry['action']} {entry['outcome']}" + (f" [{about}]" if about else "")
