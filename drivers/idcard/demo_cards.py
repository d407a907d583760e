"""Fictitious citizens' cards shipped in config/cards/, for the emulator, demos and tests.

A card file may name one of the bundled faces (drivers/emulation/faces) as its holder's
portrait: the card's photo block then carries that portrait as a stand-in image
(drivers/idcard/photo.py), so the face comparison has a real picture to work with. Cards
without a face carry undecodable bytes, like a WLT photo with no decoder.
"""

from __future__ import annotations

import json
from importlib import resources

from drivers.idcard.model import IdCard

# Head-and-shoulders crops (x, y, width, height) in the bundled photos, at the ID photo's
# 102:126 proportions.
PORTRAIT_CROPS = {
    "astronaut": (135, 26, 170, 210),
    "grace-hopper": (98, 32, 350, 432),
}


def _cards_dir():
    return resources.files("config").joinpath("cards")


def demo_card_names() -> list[str]:
    """Card names (file names without .json), sorted."""
    return sorted(entry.name[: -len(".json")] for entry in _cards_dir().iterdir() if entry.name.endswith(".json"))


def load_demo_card(name: str) -> IdCard:
    entry = _cards_dir().joinpath(f"{name}.json")
    if not entry.is_file():
        raise ValueError(f"no demo card {name!r} (known: {', '.join(demo_card_names())})")
    data = json.loads(entry.read_text(encoding="utf-8"))
    card = IdCard.from_json(data)
    if data.get("face"):
        card.photo = stand_in_photo(data["face"])
    return card


def face_path(face: str):
    """A bundled face photo by name (astronaut, grace-hopper)."""
    path = resources.files("drivers").joinpath("emulation", "faces", f"{face}.jpg")
    if not path.is_file():
        raise ValueError(f"no bundled face {face!r} (known: {', '.join(sorted(PORTRAIT_CROPS))})")
    return path


def stand_in_photo(face: str) -> bytes:
    """The photo block for a card whose holder is the bundled `face`."""
    import cv2
    import numpy as np

    from drivers.idcard.photo import encode_stand_in_photo

    image = cv2.imdecode(np.frombuffer(face_path(face).read_bytes(), np.uint8), cv2.IMREAD_COLOR)
    x, y, width, height = PORTRAIT_CROPS[face]
    return encode_stand_in_photo(image[y:y + height, x:x + width])
