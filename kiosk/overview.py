"""The technicians' overview of one kiosk, without widgets: what the diagnostics screen renders,
what `kiosk diag status` asks the running kiosk for (kiosk/local_control.py) and what every
diagnostic bundle carries as snapshot.json (kiosk/bundle.py).

`running(core)` is the running kiosk's; `from_data_dir(config)` is what the data directory
alone tells when the kiosk is not running (the counts since the last technician visit and each
device's last error are kept there, the rest lives in the process). No personal data: device
messages, counts, ids and reasons.
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

from kiosk import host_health
from kiosk.bundle import app_version
from kiosk.device_counters import DeviceCounters


def config_version(config) -> str:
    """Operators tell which settings a kiosk runs by this digest; the site-specific parts are
    left out, so kiosks on the same settings show the same version."""
    settings = config.model_dump_json(exclude={"kiosk", "data_dir", "devices"})
    return hashlib.sha256(settings.encode()).hexdigest()[:12]


def reported_identity(detail: dict[str, Any]) -> dict[str, Any]:
    """Model and firmware as the device's own status reported them (None where it does not)."""
    return {"model": detail.get("model"), "firmware": detail.get("firmware")}


def running(core) -> dict[str, Any]:
    """Every device (state, last error, counters since start and since the last technician
    visit, model and firmware where it reports them), network and central, the queue and its
    dead letters, the operator config run and the last one refused, the self-tests' last
    results, the app and the machine."""
    status = core.heartbeat_status()
    events = [{"at": at, "device": e.device, "kind": e.kind, "message": e.message}
              for at, e in list(core.devices.recent_events)[-30:]]
    counters = core.device_counters
    devices = {name: {**device, **counters.of(name), **reported_identity(device.get("detail") or {})}
               for name, device in status["devices"].items()}
    updates = status.get("operator_config") or {}
    return {
        "kiosk": core.config.kiosk.id,
        "config_version": core.config_version,
        "operator_config": {"running": updates.get("running"), "rejected": updates.get("rejected"),
                            "last_error": updates.get("last_error")} if updates else None,
        "devices": devices,
        "last_technician_visit_at": counters.last_visit_at,
        "events": events,
        "services": status["services"],
        "queue": status["queue"],  # read once, with the rest of the heartbeat
        "sync": core.sync.state.to_dict(),
        "network": {**host_health.network(), "central_reachable": core.central_reachable},
        "dead_letters": core.outbox.dead_letters()[:20],
        "out_of_service": status.get("maintenance"),
        "self_tests": core.self_tests.results(),
        "app": {"version": app_version(), "uptime_s": round(time.time() - core.started_at),
                "memory_rss_bytes": host_health.memory_rss_bytes(),
                "disk": host_health.disk(core.config.data_dir)},
    }


def from_data_dir(config) -> dict[str, Any]:
    """Without the running kiosk: its settings' version, each device's counts since the last
    technician visit and last error as kept on disk, the app's version and the data disk."""
    counters = DeviceCounters(config.data_path("device-counters.json"))
    devices = {}
    for name in config.devices:
        kept = counters.of(name)
        devices[name] = {"since_visit": kept["since_visit"], "last_error": kept["last_error"]}
    return {
        "kiosk": config.kiosk.id,
        "kiosk_running": False,
        # The settings in the console's config file: the running kiosk may run a signed operator
        # config over them, which only it can tell.
        "config_file_version": config_version(config),
        "devices": devices,
        "last_technician_visit_at": counters.last_visit_at,
        "app": {"version": app_version(), "disk": host_health.disk(config.data_dir)},
    }
