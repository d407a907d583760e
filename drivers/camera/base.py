"""What every camera backend offers, and what the identity pipeline relies on.

Frames are BGR `numpy` arrays (OpenCV's layout). A camera delivers them on its own worker
thread at the camera's rate; a consumer that is slower than the camera sees the newest frame,
never a growing backlog (a face check wants now, not two seconds ago).
"""

from __future__ import annotations

import abc
from dataclasses import dataclass
from typing import Callable, ClassVar

import numpy as np

from drivers.base import Device


@dataclass(frozen=True)
class Frame:
    """One captured picture. The same array goes to every consumer: copy before drawing on it."""

    image: np.ndarray  # H×W×3 BGR, uint8
    index: int  # 0, 1, 2 … since the camera was opened
    timestamp: float  # time.monotonic() when it was captured


class Camera(Device):
    device_class: ClassVar[str] = "camera"

    @abc.abstractmethod
    def read_frame(self, timeout_s: float = 2.0) -> Frame:
        """The next frame newer than the last one returned; DeviceTimeout if none comes, NotPresent
        once the camera is gone (unplugged, stream lost, file ended)."""

    @abc.abstractmethod
    def subscribe(self, on_frame: Callable[[Frame], None]) -> Callable[[], None]:
        """Call `on_frame` from the capture thread for every frame; returns unsubscribe."""

    def snapshot(self, timeout_s: float = 2.0) -> np.ndarray:
        return self.read_frame(timeout_s).image
