"""python-escpos's capabilities cache lands in the user's cache directory and is read back."""

from __future__ import annotations

import os
import subprocess
import sys


def _import_printer(home, tmpdir) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("XDG_CACHE_HOME", "ESCPOS_CAPABILITIES_PICKLE_DIR")}
    env.update(HOME=str(home), TMPDIR=str(tmpdir))
    subprocess.run([sys.executable, "-c", "import drivers.printer.escpos_printer"], env=env, check=True)


def test_capabilities_cached_per_user(tmp_path):
    home, tmpdir = tmp_path / "home", tmp_path / "tmp"
    home.mkdir()
    tmpdir.mkdir()
    _import_printer(home, tmpdir)
    cached = list((home / ".cache" / "python-escpos").glob("*.capabilities.pickle"))
    assert len(cached) == 1
    first = cached[0].stat().st_mtime_ns
    _import_printer(home, tmpdir)
    assert cached[0].stat().st_mtime_ns == first  # read back, not parsed and written again
    assert not list(tmpdir.glob("*/*.pickle"))  # no pickle in python-escpos's throwaway dirs


def test_read_only_home_falls_back_to_escpos_default(tmp_path):
    home, tmpdir = tmp_path / "home", tmp_path / "tmp"
    home.mkdir(mode=0o500)
    tmpdir.mkdir()
    if os.access(home, os.W_OK):  # root writes anywhere: make the cache path a file instead
        (home / ".cache").write_text("")
    _import_printer(home, tmpdir)
    assert len(list(tmpdir.glob("*/*.capabilities.pickle"))) == 1  # python-escpos's own mkdtemp()
