"""Handing freed heap back to the system."""

from __future__ import annotations

import ctypes
import gc


def give_back_freed_memory() -> None:
    """Collect cyclic garbage and return the freed heap to the system (glibc otherwise keeps
    it). The collection holds the GIL for ~0.1 s after a large parse: call it while idle."""
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: the memory stays with the process, no harm
        pass
