"""What every diagnostic bundle carries for support: the overview as snapshot.json (each device's
state and counters, the config version) and the self-tests' last results as self_tests.json."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path


def bundle_members(bundle: str | Path | bytes) -> dict[str, str]:
    """The bundle's members by their name below the kiosk's folder, as text."""
    opened = tarfile.open(fileobj=io.BytesIO(bundle), mode="r:gz") if isinstance(bundle, bytes) \
        else tarfile.open(bundle)
    with opened as tar:
        return {m.name.split("/", 1)[1]: tar.extractfile(m).read().decode("utf-8") for m in tar.getmembers()}


def assert_overview_and_self_tests(bundle: str | Path | bytes, *, tested: str, running: bool = True) -> dict:
    """snapshot.json has every device with its counters and the config's version (the running
    kiosk's state and its central where it ran); self_tests.json has `tested`'s result."""
    members = bundle_members(bundle)
    snapshot = json.loads(members["snapshot.json"])
    printer = snapshot["devices"]["printer"]
    assert set(printer["since_visit"]) == {"cards_read", "pages_printed", "cards_dispensed", "failures"}
    if running:
        assert printer["state"] and "since_start" in printer and snapshot["config_version"]
        assert snapshot["network"]["central_reachable"] in (True, False)
    else:
        assert snapshot["kiosk_running"] is False and snapshot["config_file_version"]
    assert json.loads(members["self_tests.json"])[tested]["state"] in ("passed", "failed", "no_device")
    return snapshot
