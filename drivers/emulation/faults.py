"""The fault plan every emulator keeps: which faults are active and for how many more answers.

A fault injected with `times=N` applies to the next N occasions it is checked and then clears
itself; without `times` it stays until cleared. Sticky kinds (e.g. "unplugged") ignore `times`:
a device does not come back by itself. Not thread-safe on its own: the emulator's lock covers it.
"""

from __future__ import annotations

from drivers.emulation.control import ControlError


class FaultPlan:
    def __init__(self, kinds, *, sticky: tuple[str, ...] = ("unplugged",)):
        self.kinds = frozenset(kinds)
        self._sticky = sticky
        self._left: dict[str, int | None] = {}  # kind -> occasions left, None = until cleared

    def set(self, kind: str, times: int | None = None) -> None:
        if kind not in self.kinds:
            raise ControlError(f"unknown fault {kind!r} (known: {', '.join(sorted(self.kinds))})")
        if times is not None and (not isinstance(times, int) or isinstance(times, bool) or times < 1):
            raise ControlError("times must be a positive integer")
        self._left[kind] = None if kind in self._sticky else times

    def clear(self, kind: str | None = None) -> None:
        if kind is None:
            self._left.clear()
        else:
            self._left.pop(kind, None)

    def active(self, kind: str) -> bool:
        return kind in self._left

    def take(self, kind: str) -> bool:
        """True if `kind` applies now; counts one occasion off a limited fault."""
        if kind not in self._left:
            return False
        left = self._left[kind]
        if left is not None:
            if left <= 1:
                del self._left[kind]
            else:
                self._left[kind] = left - 1
        return True

    def describe(self) -> dict[str, int | str]:
        return {kind: ("sticky" if left is None else left) for kind, left in self._left.items()}
