"""Helper servers the tests and emulators start (cupsd, pcscd): stopping them the same way."""

from __future__ import annotations

import shutil
import subprocess


def stop_process(process: subprocess.Popen, timeout: float = 10) -> None:
    """SIGTERM, then SIGKILL if it is still there after `timeout` seconds; reaped either way."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=timeout)


def can_unshare_mounts() -> bool:
    """Whether a child may get a private mount namespace (`unshare -m`), so a server can see its
    own configuration bound over a system path without touching the system's."""
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "-m", "--propagation", "private", "true"], capture_output=True, timeout=10)
    return probe.returncode == 0
