"""Synthetic camera scenes built from one face photo, for the emulated camera and the tests.

A cooperative citizen blinks and turns the head; attackers hold up a printed photo or a phone
showing a still; and the scenes the quality gates must catch: two faces, no face, a face too far
away, a room too dark. Frames are 640×480 BGR, as the kiosk camera delivers them.

The blink and the turn are made from the photo's own dlib landmarks so that the landmark
measures the liveness check uses really change: the eyelids are painted shut over a few frames
(the eye aspect ratio drops), and a smooth horizontal warp moves the nose and eyes sideways
while the face outline stays put (the nose-to-outline yaw changes). Photos stand in for people;
nothing here is biometric data of a real citizen.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

FACES_DIR = Path(__file__).with_name("faces")
SIZE = (640, 480)  # width, height
SCENES = ("citizen", "printed_photo", "phone_still", "two_faces", "no_face", "too_small", "too_dark")


@dataclass(frozen=True)
class FacePhoto:
    image: np.ndarray  # BGR head-and-shoulders crop
    landmarks: np.ndarray  # 68×2, in the crop's coordinates
    face_width: float


def bundled(name: str) -> Path:
    """`astronaut` or `grace-hopper`."""
    return FACES_DIR / f"{name}.jpg"


@functools.lru_cache(maxsize=8)
def load_face(path: str | Path) -> FacePhoto:
    """The photo cropped around its most confident face, with that face's landmarks."""
    import dlib
    import face_recognition.api as models

    image = cv2.imread(str(path))
    if image is None:
        raise ValueError(f"cannot read image {path}")
    rgb = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
    rects, scores, _ = models.face_detector.run(rgb, 1, 0.0)
    if not rects:
        raise ValueError(f"no face in {path}")
    rect = rects[int(np.argmax(scores))]
    w, h = rect.width(), rect.height()
    x0, y0 = max(rect.left() - int(0.7 * w), 0), max(rect.top() - int(0.9 * h), 0)
    x1, y1 = min(rect.right() + int(0.7 * w), image.shape[1]), min(rect.bottom() + int(0.9 * h), image.shape[0])
    shape = models.pose_predictor_68_point(rgb, dlib.rectangle(rect.left(), rect.top(), rect.right(), rect.bottom()))
    points = np.array([(p.x - x0, p.y - y0) for p in shape.parts()], dtype=np.float64)
    return FacePhoto(image[y0:y1, x0:x1].copy(), points, float(points[16, 0] - points[0, 0]))


def _background(rng: np.random.Generator) -> np.ndarray:
    """A plain wall with a soft vertical gradient, like the kiosk's alcove."""
    w, h = SIZE
    ramp = np.linspace(150, 200, h, dtype=np.float32)[:, None, None]
    wall = np.broadcast_to(ramp * np.array([1.0, 0.97, 0.92], dtype=np.float32), (h, w, 3))
    return np.clip(wall + rng.normal(0, 2, (h, w, 3)), 0, 255).astype(np.uint8)


def _place(scene: np.ndarray, patch: np.ndarray, centre: tuple[float, float]) -> None:
    """Paste `patch` centred at `centre`, clipped to the scene."""
    h, w = patch.shape[:2]
    x0, y0 = int(round(centre[0] - w / 2)), int(round(centre[1] - h / 2))
    sx0, sy0 = max(x0, 0), max(y0, 0)
    sx1, sy1 = min(x0 + w, scene.shape[1]), min(y0 + h, scene.shape[0])
    if sx1 > sx0 and sy1 > sy0:
        scene[sy0:sy1, sx0:sx1] = patch[sy0 - y0:sy1 - y0, sx0 - x0:sx1 - x0]


def _scaled(photo: FacePhoto, face_width: float) -> tuple[np.ndarray, np.ndarray]:
    scale = face_width / photo.face_width
    image = cv2.resize(photo.image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC)
    return image, photo.landmarks * scale


def _face_centre(points: np.ndarray) -> np.ndarray:
    return points[[0, 16, 8, 27]].mean(axis=0)


def close_eyes(image: np.ndarray, points: np.ndarray, amount: float) -> np.ndarray:
    """Lower both upper eyelids by `amount` (0 open … 1 shut): skin over the eye, a lash line."""
    out = image.copy()
    face_h = points[8, 1] - points[27, 1]
    for eye in (points[36:42], points[42:48]):
        corner_a, upper_1, upper_2, corner_b, lower_2, lower_1 = eye
        lid_1 = upper_1 + amount * (lower_1 - upper_1)
        lid_2 = upper_2 + amount * (lower_2 - upper_2)
        below = eye.mean(axis=0) + (0, 0.25 * face_h)  # cheek: the skin colour to paint with
        patch = image[int(below[1]) - 3:int(below[1]) + 4, int(below[0]) - 3:int(below[0]) + 4]
        skin = np.median(patch.reshape(-1, 3), axis=0)
        margin = (0, -0.25 * np.linalg.norm(corner_b - corner_a) * 0.3)  # cover the lid crease too
        lid_polygon = np.array([corner_a, upper_1 + margin, upper_2 + margin, corner_b, lid_2, lid_1])
        cv2.fillPoly(out, [np.round(lid_polygon).astype(np.int32)], skin.tolist(), cv2.LINE_AA)
        lash = np.array([corner_a, lid_1, lid_2, corner_b])
        cv2.polylines(out, [np.round(lash).astype(np.int32)], False, (40, 35, 35), 2, cv2.LINE_AA)
    return out


def turn_head(image: np.ndarray, points: np.ndarray, amount: float) -> np.ndarray:
    """Shift the middle of the face sideways by `amount` face widths (positive: to the right of
    the image, the subject's left), fading to nothing at the face outline."""
    face_w = points[16, 0] - points[0, 0]
    face_h = points[8, 1] - points[19, 1]
    cx, cy = _face_centre(points)
    ys, xs = np.indices(image.shape[:2], dtype=np.float32)
    bump = np.exp(-(((xs - cx) / (0.25 * face_w)) ** 2 + ((ys - cy) / (0.55 * face_h)) ** 2) / 2)
    map_x = (xs - amount * face_w * bump).astype(np.float32)
    return cv2.remap(image, map_x, ys, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def _with_noise(frame: np.ndarray, rng: np.random.Generator, sigma: float = 2.0) -> np.ndarray:
    """Sensor noise, so no two frames of a still scene are identical."""
    return np.clip(frame.astype(np.int16) + rng.normal(0, sigma, frame.shape).astype(np.int16), 0, 255).astype(np.uint8)


# What a cooperative citizen does: (eyes closed 0..1, head turn in face widths) per frame.
_STILL = [(0.0, 0.0)] * 4
ACTIONS = {
    "blink": [(0.5, 0.0), (1.0, 0.0), (1.0, 0.0), (1.0, 0.0), (0.5, 0.0)],  # ~330 ms at 15 fps
    "turn_left": [(0.0, t) for t in (0.09, 0.18, 0.28, 0.28, 0.28, 0.28, 0.18, 0.09)],  # the subject's left
    "turn_right": [(0.0, -t) for t in (0.09, 0.18, 0.28, 0.28, 0.28, 0.28, 0.18, 0.09)],
}
DEFAULT_ORDER = ("blink", "turn_left", "turn_right")


def citizen(photo: FacePhoto, *, order: tuple[str, ...] = DEFAULT_ORDER, face_width: float = 170,
            seed: int = 0) -> list[np.ndarray]:
    """A cooperative citizen in front of the kiosk: still for a moment, then each action of
    `order` (blink, turn_left, turn_right) with a pause after it. Looped, the default order
    answers any challenge sequence; a given order plays a citizen who does what is asked."""
    rng = np.random.default_rng(seed)
    head, points = _scaled(photo, face_width)
    centre = _face_centre(points)
    shift = (head.shape[1] / 2 - centre[0], head.shape[0] / 2 - centre[1])
    background = _background(rng)
    frames = []
    for closed, turn in [(0.0, 0.0)] * 2 + [step for action in order for step in _STILL + ACTIONS[action]] + _STILL:
        face = close_eyes(head, points, closed) if closed else head
        face = turn_head(face, points, turn) if turn else face
        scene = background.copy()
        sway = rng.normal(0, 1.5, 2)  # a person is never perfectly still
        _place(scene, face, (SIZE[0] / 2 + shift[0] + sway[0], SIZE[1] / 2 + shift[1] + sway[1]))
        frames.append(_with_noise(scene, rng))
    return frames


def _still(photo: FacePhoto, frames: int, seed: int, *, face_width: float, frame_it) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    head, points = _scaled(photo, face_width)
    scene = _background(rng)
    _place(scene, frame_it(head), (SIZE[0] / 2, SIZE[1] / 2))
    return [_with_noise(scene, rng) for _ in range(frames)]


def printed_photo(photo: FacePhoto, *, frames: int = 30, seed: int = 0) -> list[np.ndarray]:
    """A print of the photo with a white border, held still in front of the camera."""
    return _still(photo, frames, seed, face_width=150,
                  frame_it=lambda head: cv2.copyMakeBorder(head, 12, 12, 12, 12, cv2.BORDER_CONSTANT, value=(245, 245, 245)))


def phone_still(photo: FacePhoto, *, frames: int = 30, seed: int = 0) -> list[np.ndarray]:
    """A phone showing the photo: a black bezel and a slightly washed-out screen."""

    def on_screen(head: np.ndarray) -> np.ndarray:
        screen = cv2.addWeighted(head, 0.85, np.full_like(head, 255), 0.15, 0)
        return cv2.copyMakeBorder(screen, 30, 30, 10, 10, cv2.BORDER_CONSTANT, value=(15, 15, 15))

    return _still(photo, frames, seed, face_width=130, frame_it=on_screen)


def two_faces(photo_a: FacePhoto, photo_b: FacePhoto, *, frames: int = 10, seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    scene = _background(rng)
    for photo, x in ((photo_a, SIZE[0] * 0.3), (photo_b, SIZE[0] * 0.72)):
        head, _ = _scaled(photo, 140)
        _place(scene, head[: min(head.shape[0], 460)], (x, SIZE[1] / 2))
    return [_with_noise(scene, rng) for _ in range(frames)]


def no_face(*, frames: int = 10, seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    scene = _background(rng)
    return [_with_noise(scene, rng) for _ in range(frames)]


def too_small(photo: FacePhoto, *, frames: int = 10, seed: int = 0) -> list[np.ndarray]:
    """The citizen stands far back: the face is ~70 px wide, too small to compare well."""
    return _still(photo, frames, seed, face_width=70, frame_it=lambda head: head)


def too_dark(photo: FacePhoto, *, frames: int = 10, seed: int = 0) -> list[np.ndarray]:
    """The cooperative citizen at night with the kiosk's light broken."""
    return [(frame * 0.22).astype(np.uint8) for frame in citizen(photo, seed=seed)[:frames]]


def scene(name: str, photo_path: str | Path, *, other_photo: str | Path | None = None, seed: int = 0) -> list[np.ndarray]:
    """One named scene (see SCENES) built from `photo_path`."""
    photo = load_face(str(photo_path))
    if name == "citizen":
        return citizen(photo, seed=seed)
    if name == "printed_photo":
        return printed_photo(photo, seed=seed)
    if name == "phone_still":
        return phone_still(photo, seed=seed)
    if name == "two_faces":
        return two_faces(photo, load_face(str(other_photo or bundled("grace-hopper"))), seed=seed)
    if name == "no_face":
        return no_face(seed=seed)
    if name == "too_small":
        return too_small(photo, seed=seed)
    if name == "too_dark":
        return too_dark(photo, seed=seed)
    raise ValueError(f"unknown scene {name!r} (known: {', '.join(SCENES)})")
