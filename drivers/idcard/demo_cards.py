"""Fictitious citizens' cards shipped in config/cards/, for the emulator, demos and tests."""

from __future__ import annotations

import json
from importlib import resources

from drivers.idcard.model import IdCard


def _cards_dir():
    return resources.files("config").joinpath("cards")


def demo_card_names() -> list[str]:
    """Card names (file names without .json), sorted."""
    return sorted(entry.name[: -len(".json")] for entry in _cards_dir().iterdir() if entry.name.endswith(".json"))


def load_demo_card(name: str) -> IdCard:
    entry = _cards_dir().joinpath(f"{name}.json")
    if not entry.is_file():
        raise ValueError(f"no demo card {name!r} (known: {', '.join(demo_card_names())})")
    return IdCard.from_json(json.loads(entry.read_text(encoding="utf-8")))
