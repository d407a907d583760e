"""The effective kiosk config written back as TOML reads as the same config (what `kiosk demo`
hands to `kiosk diag --config`)."""

from __future__ import annotations

import tomllib

import pytest

from kiosk.config import config_data, load_config
from kiosk.pin import CHEAPEST, hash_pin
from tomli_w import dumps


def test_the_default_config_with_overrides_comes_back_the_same(tmp_path):
    overrides = {"data_dir": str(tmp_path / "kiosk"), "central.url": "http://127.0.0.1:8765",
                 "devices.printer.url": "escpos+tcp://127.0.0.1:9100?timeout=2", "speech.enabled": False,
                 "diagnostics.pin_hash": hash_pin("2468", **CHEAPEST)}
    data = config_data(None, overrides)
    path = tmp_path / "kiosk.toml"
    path.write_text(dumps(data), encoding="utf-8")
    assert tomllib.loads(path.read_text(encoding="utf-8")) == data
    assert load_config(path) == load_config(None, overrides)
