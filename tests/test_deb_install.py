"""The .deb in a clean Debian 12 root: script/check-deb builds it (script/deb), installs it there
offline with only Debian's archives behind it, runs the kiosk as its user and purges it.

Minutes, and root (debootstrap, mount, chroot): part of the default run as root, as in CI;
skipped for other users, and with KIOSK_DEB_TEST=0 (packaging/README.md has the timings).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="builds and installs the .deb in a debootstrap root: needs root"),
    pytest.mark.skipif(os.environ.get("KIOSK_DEB_TEST") == "0", reason="KIOSK_DEB_TEST=0"),
]


@pytest.mark.slow
@pytest.mark.timeout(3600)
def test_deb_installs_offline_runs_as_kiosk_and_purges_clean() -> None:
    result = subprocess.run([str(ROOT / "script" / "check-deb")], capture_output=True, text=True,
                            timeout=3600, stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    for check in ("kiosk --help and kiosk config check work as user kiosk",
                  "purge removed what the package created and nothing else", "passed in"):
        assert check in result.stdout, result.stdout[-4000:]
