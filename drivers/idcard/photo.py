"""The ID card's photo, decoded for the face comparison.

A resident ID card carries its photo (102×126) in WLT, a vendor format that only a licensed
decoder library renders. The kiosk never pretends to decode WLT. It decodes a photo block in
one of two ways:

- with a vendor library configured (`WltLibrary`), by calling it through ctypes. Vendors ship
  it as a shared object exporting `int unpack(char *wlt, char *out, int save_bmp)` that returns
  1 on success and writes a 102×126 24-bit BMP (some builds write the raw BGR pixels instead);
  the symbol name is configurable for libraries that call it something else;
- without one, only a block that already holds a standard image (JPEG, PNG or WebP) decodes.
  That is what the card emulator writes: a greyscale WebP small enough for the card's 1,024
  bytes, so the real face-comparison code runs against a real picture in tests and the demo.

Anything else raises PhotoUndecodable: the visit then falls back to another method (fingerprint,
a counter) instead of comparing a face with noise.
"""

from __future__ import annotations

import ctypes
import threading
from pathlib import Path

import cv2
import numpy as np

PHOTO_WIDTH, PHOTO_HEIGHT = 102, 126
PHOTO_BLOCK_SIZE = 1024
_BMP_SIZE = 54 + (PHOTO_WIDTH * 3 + 2) * PHOTO_HEIGHT  # rows padded to 4 bytes: 38,862
_RAW_SIZE = PHOTO_WIDTH * 3 * PHOTO_HEIGHT
_IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")


class PhotoUndecodable(Exception):
    """The photo block cannot be turned into a picture here (WLT without a decoder, damage)."""


def is_standard_image(block: bytes) -> bool:
    return block.startswith(_IMAGE_MAGIC) or (block[:4] == b"RIFF" and block[8:12] == b"WEBP")


def decode_photo(block: bytes, decoder: "WltLibrary | None" = None) -> np.ndarray:
    """The card photo as a BGR image; PhotoUndecodable when it cannot be rendered."""
    if not block:
        raise PhotoUndecodable("the card gave no photo")
    if is_standard_image(block):
        return _imdecode(block, "the photo block's image is damaged")
    if decoder is None:
        raise PhotoUndecodable("the card's photo is WLT-encoded and no licensed decoder is configured")
    return decoder.decode(block)


def encode_stand_in_photo(image: np.ndarray, limit: int = PHOTO_BLOCK_SIZE) -> bytes:
    """A portrait (BGR) as the emulator's photo block: 102×126 greyscale WebP, padded with
    zeros to `limit` bytes, at the best quality that fits."""
    small = cv2.resize(image, (PHOTO_WIDTH, PHOTO_HEIGHT), interpolation=cv2.INTER_AREA)
    grey = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY) if small.ndim == 3 else small
    for quality in range(60, 0, -5):
        ok, data = cv2.imencode(".webp", grey, [cv2.IMWRITE_WEBP_QUALITY, quality])
        if ok and len(data) <= limit:
            return data.tobytes().ljust(limit, b"\0")
    raise ValueError(f"portrait does not fit in {limit} bytes even at the lowest quality")


class WltLibrary:
    """A vendor's WLT decoder, loaded through ctypes from the path a deployment configures."""

    def __init__(self, path: str | Path, symbol: str = "unpack"):
        try:
            library = ctypes.CDLL(str(path))
            self._unpack = getattr(library, symbol)
        except OSError as exc:
            raise PhotoUndecodable(f"cannot load WLT decoder {path}: {exc}") from None
        except AttributeError:
            raise PhotoUndecodable(f"WLT decoder {path} has no function {symbol!r}") from None
        self._unpack.argtypes = (ctypes.c_char_p, ctypes.c_char_p, ctypes.c_int)
        self._unpack.restype = ctypes.c_int
        self._lock = threading.Lock()  # vendor decoders are rarely re-entrant

    def decode(self, block: bytes) -> np.ndarray:
        out = ctypes.create_string_buffer(_BMP_SIZE + 1024)  # headroom for a generous writer
        with self._lock:
            result = self._unpack(block, out, 0)
        if result != 1:
            raise PhotoUndecodable(f"the WLT decoder refused the photo (code {result})")
        data = out.raw
        if data.startswith(b"BM"):
            return _imdecode(data[:_BMP_SIZE], "the WLT decoder wrote a damaged bitmap")
        pixels = np.frombuffer(data[:_RAW_SIZE], dtype=np.uint8)
        return pixels.reshape(PHOTO_HEIGHT, PHOTO_WIDTH, 3).copy()


def _imdecode(data: bytes, problem: str) -> np.ndarray:
    image = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        raise PhotoUndecodable(problem)
    return image
