import json
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.config import ConfigError, json_schema, load_config

ROOT = Path(__file__).resolve().parents[2]


def test_default_config_loads():
    config = load_config()
    assert [s.id for s in config.services] == ["no_criminal_record", "temporary_id", "progress_query",
                                              "traffic_fines", "hkmo_endorsement", "id_card_pickup", "id_photo"]
    assert config.kiosk.timezone == "Asia/Shanghai"
    assert config.devices["idcard"].url.startswith("ga467://")


def test_exported_schema_matches_the_models():
    committed = json.loads((ROOT / "config" / "schema.json").read_text(encoding="utf-8"))
    assert committed == json_schema(), "run `kiosk config schema --out config/schema.json`"


def test_overrides_apply_dotted_keys():
    config = load_config(overrides={"devices.printer.url": "escpos+tcp://127.0.0.1:9999", "timeouts.default_s": 90})
    assert config.devices["printer"].url == "escpos+tcp://127.0.0.1:9999"
    assert config.timeouts.for_state("home") == 90


@pytest.mark.parametrize("text, expected", [
    ("not = [valid", "cannot read config"),
    ("[kiosk]\nid = 'x'\n", "invalid config"),
])
def test_bad_files_give_one_clear_error(tmp_path, text, expected):
    path = tmp_path / "kiosk.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=expected):
        load_config(path)


def test_service_needing_an_unconfigured_device_is_rejected(tmp_path):
    from kiosk.config import default_config_text

    text = default_config_text().replace("[devices.printer]\n", "[devices.unused]\n")
    path = tmp_path / "kiosk.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match="requires devices not configured: printer"):
        load_config(path)


def test_an_old_config_with_service_requirements_is_refused_plainly(tmp_path):
    from kiosk.config import default_config_text

    text = default_config_text().replace('id = "no_criminal_record"', 'id = "no_criminal_record"\nrequires = ["idcard"]')
    path = tmp_path / "kiosk.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match="services.0.requires: Extra inputs are not permitted"):
        load_config(path)


def test_config_check_command_reports_a_bad_file(tmp_path):
    path = tmp_path / "kiosk.toml"
    path.write_text("[kiosk]\nid = 'bad id with spaces'\n")
    result = subprocess.run([sys.executable, "-m", "kiosk.cli", "config", "check", str(path)],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode != 0
    assert result.stderr.count("\n") == 1 and "invalid config" in result.stderr
    assert "Traceback" not in result.stderr
