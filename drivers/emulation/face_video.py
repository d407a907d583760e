"""Media for the emulated camera, made from face photos: scenes, edited copies, video files.

A "citizen in front of the kiosk" is a face photo placed in a 640×480 scene that sways and
breathes a little, with a touch of sensor noise, so that no two frames are identical (a real
camera never sends the same frame twice; a frozen one does). Frames are BGR `numpy` arrays.

    frames = citizen_frames("astronaut")                    # 45 frames, 3 s at 15 fps
    write_avi(frames, "/tmp/cam/citizen.avi")               # opencv:///tmp/cam/citizen.avi?loop=1&pace=1
    write_image_sequence(frames, "/tmp/cam/seq")            # opencv:///tmp/cam/seq/frame_%03d.png
    id_photo(load_face("astronaut"))                        # 102×126 stand-in for the ID card photo

The edits (`adjust_light`, `rotate`, `recompress`) make the same face look like another
capture of it, for verification tests. Nothing here writes to disk unless asked to.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from pathlib import Path

import cv2
import numpy as np

FACES_DIR = Path(__file__).with_name("faces")
BUNDLED_FACES = ("astronaut", "grace-hopper")
SCENE_SIZE = (640, 480)  # width, height: what a kiosk camera delivers
ID_PHOTO_SIZE = (102, 126)  # width, height of the photo on a resident ID card
DEFAULT_FPS = 15.0

# Face boxes (left, top, right, bottom) in the bundled photos, from dlib's HOG detector.
_FACE_BOXES = {
    "astronaut": (175, 76, 265, 166),
    "grace-hopper": (180, 139, 366, 325),
}
_FACE_SHARE = 0.25  # the face's width as a share of the scene's: a citizen at arm's length


def face_path(face: str | Path) -> Path:
    """The file of a bundled face ("astronaut", "grace-hopper") or of any image path."""
    if str(face) in BUNDLED_FACES:
        return FACES_DIR / f"{face}.jpg"
    path = Path(face)
    if not path.is_file():
        known = ", ".join(BUNDLED_FACES)
        raise ValueError(f"no face image {str(face)!r} (bundled: {known}, or a path to an image)")
    return path


def load_face(face: str | Path) -> np.ndarray:
    """A bundled face by name, or any image file, as a BGR array."""
    path = face_path(face)
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise ValueError(f"cannot read {path} as an image")
    return image


def face_box(face: str | Path, image: np.ndarray) -> tuple[int, int, int, int]:
    """Where the face is: known for the bundled photos; for others, the centre of the upper half
    (portraits put the face there)."""
    box = _FACE_BOXES.get(str(face))
    if box is not None:
        return box
    height, width = image.shape[:2]
    side = min(width, height) // 3
    cx, cy = width // 2, height * 2 // 5
    return cx - side // 2, cy - side // 2, cx + side // 2, cy + side // 2


# --- scenes -------------------------------------------------------------------------------------


def empty_scene(size: tuple[int, int] = SCENE_SIZE) -> np.ndarray:
    """The kiosk's view with nobody in front: a lit wall, darker towards the floor."""
    width, height = size
    shade = np.linspace(200, 120, height, dtype=np.float32)[:, None, None]
    tint = np.array([0.92, 0.96, 1.0], dtype=np.float32)  # BGR: a warm wall
    return np.broadcast_to(shade * tint, (height, width, 3)).astype(np.uint8)


def citizen_frames(face: str | Path = "astronaut", *, count: int = 45, fps: float = DEFAULT_FPS,
                   size: tuple[int, int] = SCENE_SIZE, seed: int = 0) -> list[np.ndarray]:
    """`count` frames of a citizen (the face photo) standing in front of the kiosk, moving a
    little: a slow sway, a breath-like change of distance, sensor noise. Deterministic per seed."""
    return list(iter_citizen_frames(face, count=count, fps=fps, size=size, seed=seed))


def iter_citizen_frames(face: str | Path = "astronaut", *, count: int = 45, fps: float = DEFAULT_FPS,
                        size: tuple[int, int] = SCENE_SIZE, seed: int = 0) -> Iterator[np.ndarray]:
    if count < 1 or fps <= 0:
        raise ValueError("count and fps must be positive")
    photo = load_face(face)
    left, top, right, bottom = face_box(face, photo)
    person = _person_mask(photo, (left, top, right, bottom))
    width, height = size
    scene = empty_scene(size)
    # Scale so the face is a natural share of the scene; its centre goes slightly above middle.
    base_scale = _FACE_SHARE * width / (right - left)
    face_cx, face_cy = (left + right) / 2, (top + bottom) / 2
    rng = np.random.default_rng(seed)
    phase = rng.uniform(0, 2 * math.pi)
    for i in range(count):
        t = i / fps
        scale = base_scale * (1 + 0.02 * math.sin(2 * math.pi * 0.3 * t + phase))
        dx = 8 * math.sin(2 * math.pi * 0.4 * t + phase)
        dy = 4 * math.sin(2 * math.pi * 0.25 * t)
        angle = 1.5 * math.sin(2 * math.pi * 0.2 * t + phase)
        matrix = cv2.getRotationMatrix2D((face_cx, face_cy), angle, scale)
        matrix[0, 2] += width / 2 + dx - face_cx
        matrix[1, 2] += height * 0.42 + dy - face_cy
        moved = cv2.warpAffine(photo, matrix, size)
        alpha = cv2.warpAffine(person, matrix, size)
        frame = cv2.blendLinear(moved, scene, alpha, 1.0 - alpha)
        yield add_noise(frame, rng)


def _person_mask(photo: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    """A soft head-and-shoulders cut-out (0..1), so the photo's own background fades into the
    scene's wall instead of showing as a pasted rectangle."""
    left, top, right, bottom = box
    face_w, face_h = right - left, bottom - top
    mask = np.zeros(photo.shape[:2], np.float32)
    centre = (int((left + right) / 2), int(bottom + 0.3 * face_h))
    cv2.ellipse(mask, centre, (int(1.3 * face_w), int(1.7 * face_h)), 0, 0, 360, 1.0, -1)
    return cv2.GaussianBlur(mask, (0, 0), 0.12 * face_w)


def add_noise(image: np.ndarray, rng: np.random.Generator, sigma: float = 2.0) -> np.ndarray:
    """Gaussian sensor noise (OpenCV's generator, seeded from `rng`: 4× faster than numpy's)."""
    noise = np.empty(image.shape, np.int16)
    cv2.setRNGSeed(int(rng.integers(1 << 31)))
    cv2.randn(noise, 0, (sigma,) * image.shape[2] if image.ndim == 3 else sigma)
    return cv2.add(image, noise, dtype=cv2.CV_8U)


def noisy_frames(image: np.ndarray, count: int, *, seed: int = 0, sigma: float = 2.0) -> list[np.ndarray]:
    """`count` copies of one image with fresh sensor noise each: a still scene from a live camera."""
    rng = np.random.default_rng(seed)
    return [add_noise(image, rng, sigma) for _ in range(count)]


# --- edits: the same face as another capture would show it --------------------------------------


def adjust_light(image: np.ndarray, factor: float) -> np.ndarray:
    """Brighter (factor > 1) or darker (< 1): 1.4 is +40 %, 0.6 is −40 %."""
    if factor < 0:
        raise ValueError("light factor must be >= 0")
    return cv2.convertScaleAbs(image, alpha=factor, beta=0)


def rotate(image: np.ndarray, degrees: float) -> np.ndarray:
    """Rotated about the centre, same size; corners filled by replicating the border."""
    height, width = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), degrees, 1.0)
    return cv2.warpAffine(image, matrix, (width, height), borderMode=cv2.BORDER_REPLICATE)


def recompress(image: np.ndarray, quality: int) -> np.ndarray:
    """Through JPEG at `quality` (1–100) and back: the blocking a cheap camera or a scan adds."""
    if not 1 <= quality <= 100:
        raise ValueError("JPEG quality must be 1–100")
    ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError("cannot encode the image as JPEG")
    return cv2.imdecode(data, cv2.IMREAD_COLOR)


def id_photo(image: np.ndarray, face: str | Path | None = None) -> np.ndarray:
    """A 102×126 head-and-shoulders crop, like the photo on a resident ID card.

    `face` names the photo ("astronaut") so its known face box is used; otherwise the face is
    assumed in the centre of the upper half."""
    left, top, right, bottom = face_box(face if face is not None else "", image)
    height, width = image.shape[:2]
    out_w, out_h = ID_PHOTO_SIZE
    # On an ID photo the face fills about 60 % of the width, a little above the middle.
    crop_w = (right - left) / 0.6
    crop_h = crop_w * out_h / out_w
    cx, cy = (left + right) / 2, (top + bottom) / 2 + 0.08 * crop_h
    x0 = int(round(min(max(cx - crop_w / 2, 0), max(width - crop_w, 0))))
    y0 = int(round(min(max(cy - crop_h / 2, 0), max(height - crop_h, 0))))
    crop = image[y0:y0 + int(crop_h), x0:x0 + int(crop_w)]
    return cv2.resize(crop, ID_PHOTO_SIZE, interpolation=cv2.INTER_AREA)


# --- media files ---------------------------------------------------------------------------------


def write_avi(frames: Iterable[np.ndarray], path: str | Path, *, fps: float = DEFAULT_FPS,
              quality: int = 90) -> Path:
    """Write BGR frames (all one size) as a Motion-JPEG .avi; returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    writer = None
    size = None
    count = 0
    try:
        for frame in frames:
            frame = _bgr(frame)
            if writer is None:
                size = (frame.shape[1], frame.shape[0])
                writer = cv2.VideoWriter(str(path), cv2.CAP_FFMPEG, cv2.VideoWriter_fourcc(*"MJPG"), fps, size)
                if not writer.isOpened():
                    raise ValueError(f"cannot write a Motion-JPEG video to {path}")
                writer.set(cv2.VIDEOWRITER_PROP_QUALITY, quality)
            elif (frame.shape[1], frame.shape[0]) != size:
                raise ValueError(f"frame {count} is {frame.shape[1]}×{frame.shape[0]}, not {size[0]}×{size[1]}")
            writer.write(frame)
            count += 1
    finally:
        if writer is not None:
            writer.release()
    if count == 0:
        raise ValueError("no frames to write")
    return path


def write_image_sequence(frames: Iterable[np.ndarray], directory: str | Path, *,
                         pattern: str = "frame_%03d.png") -> str:
    """Write frames as numbered images (`pattern` % 0, 1, …); returns the printf-style path
    that OpenCV (and `opencv://` URLs) read as a sequence."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    count = 0
    for count, frame in enumerate(frames, start=1):
        target = directory / (pattern % (count - 1))
        if not cv2.imwrite(str(target), _bgr(frame)):
            raise ValueError(f"cannot write {target}")
    if count == 0:
        raise ValueError("no frames to write")
    return str(directory / pattern)


def read_frames(source: str | Path) -> list[np.ndarray]:
    """Every frame of a video file, or every image of a directory (sorted by name)."""
    source = Path(source)
    if source.is_dir():
        images = [cv2.imread(str(p), cv2.IMREAD_COLOR) for p in sorted(source.iterdir()) if p.is_file()]
        frames = [image for image in images if image is not None]
    else:
        capture = cv2.VideoCapture(str(source))
        frames = []
        try:
            while True:
                ok, frame = capture.read()
                if not ok:
                    break
                frames.append(frame)
        finally:
            capture.release()
    if not frames:
        raise ValueError(f"no frames in {source}")
    return frames


def _bgr(frame: np.ndarray) -> np.ndarray:
    if frame.ndim == 2:
        return cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)
    if frame.ndim != 3 or frame.shape[2] != 3 or frame.dtype != np.uint8:
        raise ValueError(f"expected H×W×3 uint8 BGR frames, got {frame.shape} {frame.dtype}")
    return frame
