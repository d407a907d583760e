"""Camera frames for the ID-photo booth, made from the bundled real portraits.

An ID-photo camera looks at a citizen standing before a white board, in portrait orientation
(600×800 here). The portraits come with their own backgrounds (a flag, a space shuttle), so the
person is cut out once with OpenCV's GrabCut, seeded by dlib's face box, and put in front of a
light board. The other scenes each break one rule of the photo checks: too far, off centre,
turned, tilted, eyes closed, dark, unevenly lit, busy or dark background, two people, a hat
(Grace Hopper's own uniform cap, not a drawn one).

    frames = scene("compliant")          # 10 BGR frames with sensor noise
    write_avi(frames, path)              # face_video.write_avi: opencv:///path?loop=1&pace=1

Photos stand in for people; nothing here is biometric data of a real citizen.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import cv2
import numpy as np

from drivers.emulation.face_scenes import ACTIONS, DEFAULT_ORDER, bundled, close_eyes, turn_head

SIZE = (600, 800)  # width, height: a portrait ID-photo camera
BOARD = (236, 238, 240)  # BGR of the white board behind the citizen, as a camera sees it
FACE_WIDTH = 230  # jaw-to-jaw width in a compliant frame, px
SCENES = ("compliant", "too_far", "off_centre", "turned", "tilted", "eyes_closed", "dark", "uneven_light",
          "busy_background", "dark_background", "two_faces", "hat")


@dataclass(frozen=True)
class CutOut:
    image: np.ndarray  # BGR
    alpha: np.ndarray  # 0..1, the person
    landmarks: np.ndarray  # 68×2 in the image's coordinates
    face_width: float


@functools.lru_cache(maxsize=4)
def cut_out(name: str) -> CutOut:
    """A bundled portrait (`astronaut`, `grace-hopper`) with its person segmented by GrabCut."""
    import dlib
    import face_recognition.api as models

    image = cv2.imread(str(bundled(name)))
    if image is None:
        raise ValueError(f"no bundled portrait {name!r}")
    rgb = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
    rects, scores, _ = models.face_detector.run(rgb, 1, 0.0)
    rect = rects[int(np.argmax(scores))]
    shape = models.pose_predictor_68_point(rgb, dlib.rectangle(rect.left(), rect.top(), rect.right(), rect.bottom()))
    points = np.array([(p.x, p.y) for p in shape.parts()], dtype=np.float64)
    left, top, right, bottom = rect.left(), rect.top(), rect.right(), rect.bottom()
    w, h = right - left, bottom - top
    height, width = image.shape[:2]
    # Seeds: outside a generous head-and-shoulders box is background; the face and the neck
    # under it are the person; the rest GrabCut decides.
    mask = np.full((height, width), cv2.GC_BGD, np.uint8)
    mask[max(top - int(0.8 * h), 0):, max(left - int(0.9 * w), 0):min(right + int(0.9 * w), width)] = cv2.GC_PR_BGD
    mask[max(top - int(0.5 * h), 0):, max(left - int(0.4 * w), 0):min(right + int(0.4 * w), width)] = cv2.GC_PR_FGD
    mask[top:bottom, left:right] = cv2.GC_FGD
    mask[bottom:min(bottom + int(0.6 * h), height), left + w // 4:right - w // 4] = cv2.GC_FGD
    background, foreground = np.zeros((1, 65)), np.zeros((1, 65))
    cv2.setRNGSeed(0)
    cv2.grabCut(image, mask, None, background, foreground, 5, cv2.GC_INIT_WITH_MASK)
    person = np.isin(mask, (cv2.GC_FGD, cv2.GC_PR_FGD)).astype(np.float32)
    # Keep the largest blob only (specks of flag or shuttle), then soften the edge a little.
    count, labels, stats, _ = cv2.connectedComponentsWithStats(person.astype(np.uint8))
    if count > 1:
        largest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
        person = (labels == largest).astype(np.float32)
    alpha = cv2.GaussianBlur(person, (0, 0), 1.5)
    return CutOut(image, alpha, points, float(points[16, 0] - points[0, 0]))


def _board(rng: np.random.Generator, colour=BOARD) -> np.ndarray:
    """A lit board: a faint vertical fall-off, as under a ceiling light."""
    width, height = SIZE
    ramp = np.linspace(1.0, 0.97, height, dtype=np.float32)[:, None, None]
    return np.clip(ramp * np.array(colour, np.float32), 0, 255).astype(np.uint8)


def _warp(person: CutOut, face_width: float, centre: tuple[float, float], angle: float = 0.0):
    """The affine map putting the face (its jaw-line midpoint at eye height) at `centre`."""
    eyes = person.landmarks[36:48].mean(axis=0)
    scale = face_width / person.face_width
    matrix = cv2.getRotationMatrix2D((float(eyes[0]), float(eyes[1])), angle, scale)
    matrix[0, 2] += centre[0] - eyes[0]
    matrix[1, 2] += centre[1] - eyes[1]
    return matrix


def compose(person: CutOut, *, face_width: float = FACE_WIDTH, centre: tuple[float, float] | None = None,
            angle: float = 0.0, image: np.ndarray | None = None, background: np.ndarray | None = None,
            keep_own_background: bool = False) -> np.ndarray:
    """The person in front of `background` (the white board), eyes at `centre`."""
    width, height = SIZE
    centre = centre or (width / 2, height * 0.42)
    matrix = _warp(person, face_width, centre, angle)
    source = person.image if image is None else image
    moved = cv2.warpAffine(source, matrix, SIZE, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    if keep_own_background:
        return moved
    alpha = cv2.warpAffine(person.alpha, matrix, SIZE)[:, :, None]
    board = _board(np.random.default_rng(0)) if background is None else background
    return (moved * alpha + board * (1 - alpha)).astype(np.uint8)


def _noisy(frame: np.ndarray, count: int, seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [np.clip(frame.astype(np.int16) + rng.normal(0, 2.0, frame.shape).astype(np.int16), 0, 255)
            .astype(np.uint8) for _ in range(count)]


def _uneven(frame: np.ndarray) -> np.ndarray:
    """A lamp on one side only: the left half of the image lit, the right half at half the light,
    with a soft edge down the middle of the face."""
    x = np.arange(frame.shape[1], dtype=np.float32)
    ramp = (1.0 - 0.5 / (1 + np.exp(-(x - frame.shape[1] / 2) / 20)))[None, :, None]
    return np.clip(frame * ramp, 0, 255).astype(np.uint8)


def _busy(rng: np.random.Generator) -> np.ndarray:
    """A cluttered room: coloured blocks and lines, what a kiosk without a board sees."""
    width, height = SIZE
    room = np.full((height, width, 3), (120, 140, 160), np.uint8)
    for _ in range(40):
        x, y = int(rng.integers(0, width)), int(rng.integers(0, height))
        colour = tuple(int(c) for c in rng.integers(0, 255, 3))
        cv2.rectangle(room, (x, y), (x + int(rng.integers(20, 160)), y + int(rng.integers(20, 160))), colour, -1)
    return room


def scene(name: str, *, frames: int = 10, seed: int = 0) -> list[np.ndarray]:
    """`frames` noisy frames of one named scene (see SCENES)."""
    astronaut = cut_out("astronaut")
    width, height = SIZE
    if name == "compliant":
        frame = compose(astronaut)
    elif name == "too_far":
        frame = compose(astronaut, face_width=110)
    elif name == "off_centre":
        frame = compose(astronaut, centre=(width * 0.3, height * 0.42), face_width=170)
    elif name == "turned":
        frame = compose(astronaut, image=turn_head(astronaut.image, astronaut.landmarks, 0.22))
    elif name == "tilted":
        frame = compose(astronaut, angle=14.0)
    elif name == "eyes_closed":
        frame = compose(astronaut, image=close_eyes(astronaut.image, astronaut.landmarks, 1.0))
    elif name == "dark":
        frame = (compose(astronaut) * 0.3).astype(np.uint8)
    elif name == "uneven_light":
        frame = _uneven(compose(astronaut))
    elif name == "busy_background":
        frame = compose(astronaut, background=_busy(np.random.default_rng(seed)))
    elif name == "dark_background":
        frame = compose(astronaut, background=_board(np.random.default_rng(seed), (120, 70, 40)))
    elif name == "two_faces":
        frame = compose(astronaut, centre=(width * 0.3, height * 0.42), face_width=150)
        other = compose(cut_out("grace-hopper"), centre=(width * 0.72, height * 0.42), face_width=150,
                        background=frame)
        frame = other
    elif name == "hat":
        frame = compose(cut_out("grace-hopper"))
    else:
        raise ValueError(f"unknown photo scene {name!r} (known: {', '.join(SCENES)})")
    return _noisy(frame, frames, seed)


def booth_citizen(name: str = "astronaut", *, order: tuple[str, ...] = DEFAULT_ORDER, still: int = 12,
                  seed: int = 0) -> list[np.ndarray]:
    """A cooperative citizen at a kiosk with a white board behind: still long enough for an ID
    photo, then each liveness action of `order` (blink, turn_left, turn_right) with a pause
    after it. Looped, it passes the face check (any challenge order) and the photo checks."""
    person = cut_out(name)
    rng = np.random.default_rng(seed)
    board = _board(rng)
    frames = []
    steps = [(0.0, 0.0)] * still + [step for action in order for step in [(0.0, 0.0)] * 4 + ACTIONS[action]]
    for closed, turn in steps + [(0.0, 0.0)] * 4:
        image = close_eyes(person.image, person.landmarks, closed) if closed else person.image
        image = turn_head(image, person.landmarks, turn) if turn else image
        sway = rng.normal(0, 1.0, 2)
        frame = compose(person, image=image, background=board,
                        centre=(SIZE[0] / 2 + sway[0], SIZE[1] * 0.42 + sway[1]))
        frames.append(np.clip(frame.astype(np.int16) + rng.normal(0, 2.0, frame.shape).astype(np.int16), 0, 255)
                      .astype(np.uint8))
    return frames
