"""The digital ID photo of GA 461-2004 (居民身份证制证用数字相片), cut from a checked frame.

From the standard (as its public summaries restate it): 358 × 441 px, 350 dpi, 24-bit RGB
colour, JPEG (ISO 10918-1) at quality factor 70, "usually 14–20 KB"; the face 207 ± 14 px wide
and horizontally centred, the top of the hair 7–21 px below the top edge, the eyes at least
207 px above the bottom edge (that rule wins when both cannot be met). Where the crop lies is
decided by `photo_checks` (its `Crop`); this module only cuts, scales and encodes.

Assumed: "14–20 KB" is read as 14,336–20,000 bytes (inside the range whether K is 1,000 or
1,024); when quality 70 misses that range the quality is searched between 40 and 95, and a
photo that no quality brings into the range is still returned (the caller may check
`size_in_range`). The background is what the camera saw: nothing here whitens it.
"""

from __future__ import annotations

import numpy as np

from kiosk.identity.photo_checks import OUT_HEIGHT, OUT_WIDTH, Crop

DPI = 350
QUALITY = 70  # GA 461's compression quality factor
MIN_BYTES, MAX_BYTES = 14 * 1024, 20_000


def cut(image_bgr: np.ndarray, crop: Crop) -> np.ndarray:
    """The 358×441 BGR photo: the crop window scaled into place (borders replicated by at most
    the rounding of a window that fits the frame)."""
    import cv2

    matrix = np.array([[crop.scale, 0.0, -crop.x0 * crop.scale], [0.0, crop.scale, -crop.y0 * crop.scale]])
    source = image_bgr
    if crop.scale < 0.8:  # shrinking a lot: blur first, as INTER_AREA would, against aliasing
        sigma = 0.5 / crop.scale
        source = cv2.GaussianBlur(image_bgr, (0, 0), sigma)
    return cv2.warpAffine(source, matrix, (OUT_WIDTH, OUT_HEIGHT), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_REPLICATE)


def with_density(jpeg: bytes, dpi: int = DPI) -> bytes:
    """The JPEG with its JFIF header saying `dpi` dots per inch (OpenCV writes 0:1:1, no unit)."""
    if jpeg[:4] != b"\xff\xd8\xff\xe0" or jpeg[6:11] != b"JFIF\x00":
        raise ValueError("not a JFIF JPEG")
    header = bytearray(jpeg[:20])
    header[13] = 1  # units: dots per inch
    header[14:18] = dpi.to_bytes(2, "big") * 2
    return bytes(header) + jpeg[20:]


def encode(photo_bgr: np.ndarray, quality: int = QUALITY) -> bytes:
    import cv2

    ok, data = cv2.imencode(".jpg", photo_bgr, [cv2.IMWRITE_JPEG_QUALITY, quality,
                                                cv2.IMWRITE_JPEG_SAMPLING_FACTOR, cv2.IMWRITE_JPEG_SAMPLING_FACTOR_420])
    if not ok:
        raise ValueError("cannot encode the photo as JPEG")
    return with_density(data.tobytes())


def size_in_range(jpeg: bytes) -> bool:
    return MIN_BYTES <= len(jpeg) <= MAX_BYTES


def export(image_bgr: np.ndarray, crop: Crop) -> bytes:
    """The GA 461 photo as JPEG bytes: quality 70 if that lands in 14–20 KB, else the quality
    nearest to 70 that does, else the one closest to the range."""
    photo = cut(image_bgr, crop)
    first = encode(photo)
    if size_in_range(first):
        return first
    best, best_miss = first, _miss(first)
    low, high = (40, QUALITY - 1) if len(first) > MAX_BYTES else (QUALITY + 1, 95)
    while low <= high:  # size grows with quality: bisect towards the range
        quality = (low + high) // 2
        data = encode(photo, quality)
        if size_in_range(data):
            return data
        if _miss(data) < best_miss:
            best, best_miss = data, _miss(data)
        if len(data) > MAX_BYTES:
            high = quality - 1
        else:
            low = quality + 1
    return best


def _miss(jpeg: bytes) -> int:
    return max(MIN_BYTES - len(jpeg), len(jpeg) - MAX_BYTES, 0)
