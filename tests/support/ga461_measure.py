"""GA 461 numbers measured on a photo file itself (dlib and a pixel scan of our own), never taken
from the crop the code computed."""

from __future__ import annotations

import cv2
import numpy as np


def jfif_density(jpeg: bytes) -> tuple[int, int, int]:
    """(units, x, y) from the JFIF APP0 segment, read by hand."""
    assert jpeg[:2] == b"\xff\xd8" and jpeg[2:4] == b"\xff\xe0" and jpeg[6:11] == b"JFIF\x00"
    return jpeg[13], int.from_bytes(jpeg[14:16], "big"), int.from_bytes(jpeg[16:18], "big")


def measure(jpeg: bytes) -> dict:
    """The GA 461 numbers of a photo file: size, depth, resolution, face width, eye line, hair top."""
    import face_recognition.api as models
    from kiosk.identity import face

    image = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_UNCHANGED)
    rgb = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
    rects = models.face_detector(rgb, 1)
    assert len(rects) == 1
    points = face.shape_points(models.pose_predictor_68_point(rgb, rects[0]))
    # Hair top: the first row (from the top) where the middle third of the photo stops looking
    # like the top-left corner of the wall.
    wall = np.median(image[:6, :20].reshape(-1, 3), axis=0)
    middle = image[:, 119:239].astype(np.float64)
    differs = (np.linalg.norm(middle - wall, axis=2) > 30).mean(axis=1)
    hair_top = int(np.flatnonzero(differs > 0.2)[0])
    return {"size": (image.shape[1], image.shape[0]), "channels": image.shape[2], "dtype": image.dtype,
            "density": jfif_density(jpeg), "bytes": len(jpeg),
            "face_width": float(points[16, 0] - points[0, 0]),
            "face_centre": float((points[16, 0] + points[0, 0]) / 2),
            "eyes_above_bottom": image.shape[0] - float(points[36:48, 1].mean()), "hair_top": hair_top}
