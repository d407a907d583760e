"""Is this camera frame a usable ID photo? Each rule a check with a pass/fail and, when it
fails, the guidance code the screen shows and the voice says (kiosk/texts.py).

`assess(image, limits)` finds the face with dlib (run it where the models are loaded: the face
worker, `FaceWorker.photo`), then `check(...)` measures the frame with numpy and OpenCV only.
A report that passes carries the crop window of the GA 461 photo; `kiosk.identity.ga461`
cuts, scales and encodes it. Nothing is kept: the frame is the caller's to drop.

Every threshold is in `PhotoLimits`; which come from GA 461-2004 and which are assumed is said
beside each and in docs/identity.md ("ID photos").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kiosk.identity import face
from kiosk.identity.quality import (
    CENTRE_FACE,
    FACE_CAMERA,
    HOLD_STILL,
    MOVE_BACK,
    MOVE_CLOSER,
    MULTIPLE_FACES,
    NO_FACE,
    TOO_BRIGHT,
    TOO_DARK,
    face_crop_measures,
)

# Guidance codes of the photo's own rules (the others are the face check's, quality.py).
LEVEL_HEAD = "photo_level_head"
OPEN_EYES = "photo_open_eyes"
EVEN_LIGHT = "photo_even_light"
REMOVE_HAT = "photo_remove_hat"
PLAIN_BACKGROUND = "photo_plain_background"
LIGHT_BACKGROUND = "photo_light_background"

# GA 461-2004 geometry of the digital photo, in output pixels (358×441 at 350 dpi).
OUT_WIDTH, OUT_HEIGHT = 358, 441
FACE_WIDTH, FACE_TOLERANCE = 207, 14  # face width 207 ± 14
HAIR_TOP_MIN, HAIR_TOP_MAX = 7, 21  # top of the hair below the top edge
EYES_ABOVE_BOTTOM = 207  # the eyes at least this far above the bottom edge; wins over the hair rule
HAIR_TOP_TARGET = 14  # assumed: the middle of the allowed band
EYE_MARGIN = 3  # assumed: px kept clear of the eye limit, for landmark jitter between frames
PHOTO_DETECT_WIDTH = 400  # detection on a copy this wide: a 180 px face is still ~120 px there


@dataclass(frozen=True)
class PhotoLimits:
    """Thresholds. GA 461 gives the output geometry above; everything here is assumed (tuned on
    the bundled portraits), because the standard describes the photo, not the camera frame."""

    min_face_px: float = 180.0  # face width in the frame: upscaling to 207 px at most ×1.15
    second_face_ratio: float = 0.5  # another face this wide (vs the citizen's) counts
    max_offcentre: float = 0.12  # face centre from the frame's vertical axis, in frame widths
    max_yaw: float = 0.08  # face.yaw: nose between the two sides of the jaw line
    max_roll_deg: float = 5.0  # eye line from horizontal
    min_eye_ratio: float = 0.2  # eye aspect ratio: ~0.3 open, < 0.2 closed
    min_brightness: float = 80.0  # face mean grey
    max_brightness: float = 225.0
    min_light_balance: float = 0.7  # darker cheek / lighter cheek
    min_sharpness: float = 40.0  # quality.face_crop_measures
    min_forehead_skin: float = 0.6  # share of skin-coloured pixels above the brows (a hat covers it)
    max_background_std: float = 12.0  # grey levels, after a light blur
    max_background_edges: float = 0.02  # share of Canny edge pixels
    min_background_grey: float = 170.0  # "white background" (GA 461): light
    max_background_saturation: float = 45.0  # … and without colour (HSV S, 0..255)


@dataclass(frozen=True)
class Check:
    name: str  # one_face, face_size, in_frame, frontal, level, eyes_open, exposure, even_light, sharp,
    #            no_hat, plain_background, light_background
    passed: bool
    code: str | None = None  # the guidance when it failed
    value: float | None = None  # what was measured, for tuning and logs (never personal)


@dataclass(frozen=True)
class Crop:
    """Where the GA 461 photo lies in the frame: origin and scale (output px per frame px)."""

    x0: float
    y0: float
    scale: float

    def window(self) -> tuple[float, float, float, float]:
        return self.x0, self.y0, self.x0 + OUT_WIDTH / self.scale, self.y0 + OUT_HEIGHT / self.scale


@dataclass(frozen=True)
class PhotoReport:
    checks: tuple[Check, ...]
    crop: Crop | None = None  # set when the face could be placed (even if other checks fail)

    @property
    def passed(self) -> bool:
        return bool(self.checks) and all(c.passed for c in self.checks)

    @property
    def failed(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.checks if not c.passed)

    @property
    def guidance(self) -> str | None:
        """The first thing to fix, in the order the citizen should fix them."""
        return next((c.code for c in self.checks if not c.passed), None)

    def by_name(self, name: str) -> Check:
        return next(c for c in self.checks if c.name == name)


def assess(image_bgr: np.ndarray, limits: PhotoLimits = PhotoLimits()) -> PhotoReport:
    """Detect the face (dlib) and check the frame."""
    import cv2

    # Landmarks always come from the full frame; detection first on a smaller copy, and on the
    # full frame when that finds nothing (a tilted head is missed more easily when small).
    faces = face.detect(image_bgr, width=PHOTO_DETECT_WIDTH) or face.detect(image_bgr, width=None)
    primary = face.pick_primary(faces, image_bgr.shape[1], image_bgr.shape[0])
    points = None
    if primary is not None:
        rgb = cv2.cvtColor(image_bgr, cv2.COLOR_BGR2RGB)
        points = face.shape_points(face.landmark_shape(rgb, faces[primary]))
    return check(image_bgr, faces, primary, points, limits)


def check(image_bgr: np.ndarray, faces: list[face.FaceBox], primary: int | None, landmarks: np.ndarray | None,
          limits: PhotoLimits = PhotoLimits()) -> PhotoReport:
    if primary is None or landmarks is None:
        return PhotoReport((Check("one_face", False, NO_FACE, 0.0),))
    height, width = image_bgr.shape[:2]
    box = faces[primary]
    checks = []
    others = [f for i, f in enumerate(faces) if i != primary and f.width >= limits.second_face_ratio * box.width]
    checks.append(Check("one_face", not others, MULTIPLE_FACES, float(1 + len(others))))

    face_width = float(landmarks[16, 0] - landmarks[0, 0])
    checks.append(Check("face_size", face_width >= limits.min_face_px, MOVE_CLOSER, face_width))

    background = _background_sample(image_bgr, landmarks, face_width)
    crop = _crop(image_bgr, landmarks, face_width, background)
    x0, y0, x1, y1 = crop.window()
    fits = x0 >= -1 and y0 >= -1 and x1 <= width + 1 and y1 <= height + 1
    too_big = (x1 - x0) > width or (y1 - y0) > height
    centre_x = (landmarks[0, 0] + landmarks[16, 0]) / 2
    centred = abs(centre_x - width / 2) / width <= limits.max_offcentre
    checks.append(Check("in_frame", fits and centred, MOVE_BACK if too_big else CENTRE_FACE,
                        float(abs(centre_x - width / 2) / width)))

    yaw = face.yaw(landmarks)
    checks.append(Check("frontal", abs(yaw) <= limits.max_yaw, FACE_CAMERA, yaw))
    roll = face.roll_degrees(landmarks)
    checks.append(Check("level", abs(roll) <= limits.max_roll_deg, LEVEL_HEAD, roll))
    eyes = face.eye_aspect_ratio(landmarks)
    checks.append(Check("eyes_open", eyes >= limits.min_eye_ratio, OPEN_EYES, eyes))

    brightness, sharpness = face_crop_measures(image_bgr, box)
    too_dark = brightness < limits.min_brightness
    checks.append(Check("exposure", not too_dark and brightness <= limits.max_brightness,
                        TOO_DARK if too_dark else TOO_BRIGHT, brightness))
    balance = _light_balance(image_bgr, landmarks, face_width)
    checks.append(Check("even_light", balance >= limits.min_light_balance, EVEN_LIGHT, balance))
    checks.append(Check("sharp", sharpness >= limits.min_sharpness, HOLD_STILL, sharpness))
    forehead = _forehead_skin(image_bgr, landmarks, face_width)
    checks.append(Check("no_hat", forehead >= limits.min_forehead_skin, REMOVE_HAT, forehead))

    std, edges, grey, saturation = _background_measures(background)
    plain = std <= limits.max_background_std and edges <= limits.max_background_edges
    checks.append(Check("plain_background", plain, PLAIN_BACKGROUND, std))
    light = grey >= limits.min_background_grey and saturation <= limits.max_background_saturation
    checks.append(Check("light_background", light, LIGHT_BACKGROUND, grey))
    return PhotoReport(tuple(checks), crop)


# ---- measures ----------------------------------------------------------------------------------


def _region(image: np.ndarray, x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
    height, width = image.shape[:2]
    x0, x1 = int(max(min(x0, x1), 0)), int(min(max(x0, x1), width))
    y0, y1 = int(max(min(y0, y1), 0)), int(min(max(y0, y1), height))
    return image[y0:y1, x0:x1]


def _background_sample(image: np.ndarray, landmarks: np.ndarray, face_width: float) -> list[np.ndarray]:
    """The wall beside the head, from the top of the frame down to the eyes: clear of hair
    (0.5 face widths out from the jaw line) and of the shoulders (above the eyes)."""
    eye_y = landmarks[36:48, 1].mean()
    left, right = landmarks[0, 0] - 0.5 * face_width, landmarks[16, 0] + 0.5 * face_width
    side = 0.8 * face_width
    regions = [_region(image, left - side, 0, left, eye_y), _region(image, right, 0, right + side, eye_y)]
    return [r for r in regions if r.shape[0] >= 8 and r.shape[1] >= 8]


def _background_measures(regions: list[np.ndarray]) -> tuple[float, float, float, float]:
    """(grey std, edge share, mean grey, mean saturation) of the background regions."""
    import cv2

    if not regions:  # the head fills the frame sideways: nothing to judge the wall by
        return float("inf"), 1.0, 0.0, 255.0
    greys = [cv2.GaussianBlur(cv2.cvtColor(r, cv2.COLOR_BGR2GRAY), (5, 5), 0) for r in regions]
    pixels = np.concatenate([g.ravel() for g in greys]).astype(np.float64)
    edges = np.concatenate([(cv2.Canny(g, 40, 120) > 0).ravel() for g in greys])
    saturation = np.concatenate([cv2.cvtColor(r, cv2.COLOR_BGR2HSV)[:, :, 1].ravel() for r in regions])
    return float(pixels.std()), float(edges.mean()), float(pixels.mean()), float(saturation.mean())


def _background_colour(regions: list[np.ndarray]) -> np.ndarray | None:
    if not regions:
        return None
    return np.median(np.concatenate([r.reshape(-1, 3) for r in regions]), axis=0)


def head_top(image: np.ndarray, landmarks: np.ndarray, face_width: float, wall: np.ndarray | None) -> float:
    """The top of the hair: going down the middle of the head from the frame's top edge, the
    first rows that differ from the wall. Without a plain wall, estimated from the brows."""
    brow = float(landmarks[17:27, 1].min())
    estimate = brow - 0.75 * face_width  # typical crown height over the brows (assumed)
    if wall is None:
        return estimate
    band = _region(image, landmarks[0, 0] + 0.25 * face_width, 0, landmarks[16, 0] - 0.25 * face_width, brow)
    if band.size == 0:
        return estimate
    differs = np.linalg.norm(band.astype(np.float64) - wall, axis=2) > 30
    share = differs.mean(axis=1)
    rows = np.flatnonzero((share > 0.2) & (np.roll(share, -1) > 0.2) & (np.roll(share, -2) > 0.2))
    return float(rows[0]) if rows.size else estimate


def _crop(image: np.ndarray, landmarks: np.ndarray, face_width: float, background: list[np.ndarray]) -> Crop:
    """GA 461's placement: face width 207 px, centred; hair top 14 px down, unless that puts the
    eyes less than 207 px above the bottom edge, which wins."""
    scale = FACE_WIDTH / face_width
    centre_x = (landmarks[0, 0] + landmarks[16, 0]) / 2
    eye_y = float(landmarks[36:48, 1].mean())
    top = head_top(image, landmarks, face_width, _background_colour(background))
    y0 = top - HAIR_TOP_TARGET / scale
    lowest_eye = OUT_HEIGHT - EYES_ABOVE_BOTTOM - EYE_MARGIN  # the eyes may sit no lower in the photo
    if (eye_y - y0) * scale > lowest_eye:
        y0 = eye_y - lowest_eye / scale
    return Crop(float(centre_x - OUT_WIDTH / 2 / scale), float(y0), float(scale))


def _light_balance(image: np.ndarray, landmarks: np.ndarray, face_width: float) -> float:
    """Mean grey of the darker cheek over the lighter one (1.0: evenly lit)."""
    import cv2

    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    half = 0.08 * face_width
    means = []
    for jaw in (2, 14):  # the cheeks, halfway between the nose and the jaw line
        cx, cy = (landmarks[31] + landmarks[jaw]) / 2
        patch = _region(grey, cx - half, cy - half, cx + half, cy + half)
        means.append(float(patch.mean()) if patch.size else 0.0)
    return min(means) / max(max(means), 1e-6)


def _forehead_skin(image: np.ndarray, landmarks: np.ndarray, face_width: float) -> float:
    """Share of the band above the brows that has the cheeks' colour (Cr, Cb): a cap's brim
    or crown covers the forehead."""
    import cv2

    ycc = cv2.cvtColor(image, cv2.COLOR_BGR2YCrCb).astype(np.float64)
    half = 0.05 * face_width
    samples = []
    for jaw in (2, 14):
        cx, cy = (landmarks[31] + landmarks[jaw]) / 2
        samples.append(_region(ycc, cx - half, cy - half, cx + half, cy + half).reshape(-1, 3))
    skin = np.concatenate(samples)[:, 1:].mean(axis=0)
    brow = landmarks[17:27, 1].min()
    band = _region(ycc, landmarks[19, 0], brow - 0.25 * face_width, landmarks[24, 0], brow - 0.05 * face_width)
    if band.size == 0:
        return 0.0
    return float((np.linalg.norm(band[:, :, 1:] - skin, axis=2) < 12).mean())
