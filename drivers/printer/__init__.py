"""Receipt printers (ESC/POS)."""

from __future__ import annotations

import os
from pathlib import Path


def _keep_escpos_capabilities() -> None:
    """python-escpos parses its 1 MB capabilities YAML at import (~200 ms) and caches the result
    as a pickle in ESCPOS_CAPABILITIES_PICKLE_DIR, by default a new mkdtemp() per process, so
    the cache never hits. A per-user cache directory makes the import ~20 ms from the second
    start on. (python-escpos still creates one empty directory in $TMPDIR per import: its
    mkdtemp() is the default argument of environ.get, evaluated whatever the environment.)"""
    if "ESCPOS_CAPABILITIES_PICKLE_DIR" in os.environ:
        return
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache", "python-escpos")
    try:
        cache.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError:
        return  # a read-only home: python-escpos's own default then
    if os.access(cache, os.W_OK):
        os.environ["ESCPOS_CAPABILITIES_PICKLE_DIR"] = str(cache)


_keep_escpos_capabilities()
