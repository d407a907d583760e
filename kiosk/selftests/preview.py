"""The camera self-test's last frame as the diagnostics screen shows it (screens/diagnostics.py).

Downscaled, with the face box the test found moved onto it and the frame rate the test
measured; handed to the screen and dropped. Nothing here keeps it: not the results file, not
the bundle, not the disk. The self-test runs only with the technicians' mode open, between
visits, so the camera sees the technician, never a citizen.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PREVIEW_WIDTH = 360  # enough to see the face box sit on the face; small enough to hold nothing more


@dataclass(frozen=True)
class CameraPicture:
    image: Any = field(repr=False)  # BGR, at most PREVIEW_WIDTH wide
    box: tuple[int, int, int, int] | None  # the face (left, top, right, bottom) in the image's pixels
    fps: float


def camera_picture(frame, details: dict[str, Any], width: int = PREVIEW_WIDTH) -> CameraPicture:
    """`frame`: the test's last BGR frame; `details`: its result's details (fps, face box)."""
    import cv2  # loaded by the camera's driver already

    height, full_width = frame.shape[:2]
    scale = min(1.0, width / full_width)
    small = cv2.resize(frame, (round(full_width * scale), round(height * scale)), interpolation=cv2.INTER_AREA) \
        if scale < 1 else frame.copy()
    box = (details.get("face") or {}).get("box")
    return CameraPicture(small, None if box is None else tuple(round(v * scale) for v in box),
                         float(details.get("fps") or 0.0))
