"""glibc's arenas, counted from malloc_info in a fresh process: eight threads allocating get at
most two arenas once the kiosk's limit is set, and their own without it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import ctypes, sys, threading
sys.path.insert(0, sys.argv[1])
from common.memory import limit_malloc_arenas
limited = limit_malloc_arenas() if sys.argv[3] == "limit" else None
go = threading.Barrier(8)
def work():
    go.wait()  # all at once: glibc hands a busy arena's thread a new one
    blocks = [bytearray(64 * 1024) for _ in range(200)]
    go.wait()
threads = [threading.Thread(target=work) for _ in range(8)]
for t in threads: t.start()
for t in threads: t.join()
libc = ctypes.CDLL(None)
libc.fopen.restype = ctypes.c_void_p
out = libc.fopen(sys.argv[2].encode(), b"w")
libc.malloc_info(0, ctypes.c_void_p(out))
libc.fclose(ctypes.c_void_p(out))
print(limited)
"""


def arenas(tmp_path: Path, mode: str, env: dict | None = None) -> tuple[int, str]:
    info = tmp_path / f"{mode}.xml"
    run = subprocess.run([sys.executable, "-c", CHILD, str(ROOT), str(info), mode], capture_output=True, text=True,
                         timeout=60, env={**os.environ, **(env or {})})
    assert run.returncode == 0, run.stderr
    return info.read_text().count("<heap nr="), run.stdout.strip()


def test_the_limit_keeps_eight_threads_in_two_arenas(tmp_path):
    assert arenas(tmp_path, "limit", {"MALLOC_ARENA_MAX": ""}) == (2, "True")
    count, _ = arenas(tmp_path, "none", {"MALLOC_ARENA_MAX": ""})
    assert count > 2  # without it the threads spread out (the test shows the limit does something)


def test_an_explicit_malloc_arena_max_wins(tmp_path):
    assert arenas(tmp_path, "limit", {"MALLOC_ARENA_MAX": "4"})[1] == "False"
