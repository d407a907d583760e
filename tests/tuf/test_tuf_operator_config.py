"""The operator config's schema and how it lies over the local file."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from central.tuf_serve import TimestampKeeper
from kiosk.config import ConfigError, DiagnosticsConfig, load_config
from kiosk.diagnostics import PinLock, hash_pin
from kiosk.operator_config import operator_json_schema, read_operator_file, validate_operator
from kiosk.pin import CHEAPEST

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "config" / "operator.example.toml"


def test_exported_operator_schema_matches_the_models():
    committed = json.loads((ROOT / "config" / "operator.schema.json").read_text(encoding="utf-8"))
    assert committed == operator_json_schema(), "run `kiosk config schema --operator --out config/operator.schema.json`"


def test_the_example_loads_over_the_default_config():
    operator = read_operator_file(EXAMPLE)
    config = load_config(operator=operator)
    assert [s.id for s in config.services] == [s["id"] for s in operator["services"]]
    assert config.identity.methods == {"temporary_id": ["face"]}
    assert config.service("hkmo_endorsement").hours == ["08:30-12:00", "13:30-17:30"]
    assert config.diagnostics.technicians[0].id == "t-0042"
    assert config.notices[0].until_date == "2026-12-05"
    assert config.documents.receipt.footer[1].en == "Hotline: {hotline}"
    assert config.documents.certificates["no_criminal_record"].issuer == "市公安局刑事侦查支队"


def test_a_section_given_replaces_the_local_one_whole_and_one_left_out_keeps_it():
    local = load_config(overrides={"timeouts.per_state": {"verify": 120}, "queue.max_backoff_s": 60})
    config = load_config(overrides={"timeouts.per_state": {"verify": 120}, "queue.max_backoff_s": 60},
                         operator={"timeouts": {"default_s": 45}, "services": [
                             {"id": "no_criminal_record", "title": {"zh": "无犯罪记录证明"}, "enabled": False,
                              "fees_fen": {"copy": 500},
                              "steps": [s.model_dump() for s in local.service("no_criminal_record").steps]}]})
    assert config.timeouts.default_s == 45 and config.timeouts.per_state == {}  # whole, not merged
    assert config.queue.max_backoff_s == 60  # not in the operator config: local
    assert [s.id for s in config.services] == ["no_criminal_record"]
    assert config.service("no_criminal_record").enabled is False
    assert config.service("no_criminal_record").fees_fen == {"copy": 500}
    assert config.devices == local.devices and config.kiosk.id == local.kiosk.id


def test_documents_sync_and_updates_map_onto_their_kiosk_settings():
    config = load_config(overrides={"updates.group": "district-a"}, operator={
        "documents": {"hotline": "110", "issuer": {"zh": "县公安局"}}, "sync": {"heartbeat_s": 30},
        "updates": {"poll_s": 60, "jitter_s": 5}, "language": "en", "default_identity_methods": ["fingerprint"]})
    assert config.kiosk.hotline == "110" and config.kiosk.issuer.zh == "县公安局"
    assert config.central.heartbeat_s == 30
    assert (config.updates.group, config.updates.poll_s, config.updates.jitter_s) == ("district-a", 60, 5)
    assert config.language == "en" and config.identity.default_methods == ["fingerprint"]


@pytest.mark.parametrize("operator, where", [
    ({"devices": {}}, "devices"),  # the machine's own: never from operators
    ({"central": {"url": "http://evil"}}, "central"),
    ({"services": [{"id": "x", "title": {"zh": "x"}, "fees_fen": {"fee": -1}}]}, "fees_fen"),
    ({"services": [{"id": "x", "title": {"zh": "x"}, "hours": ["25:00-26:00"]}]}, "services"),
    ({"technicians": [{"id": "a", "name": "A", "pin_hash": "1234"}]}, "pin_hash"),
    ({"timeouts": {"default_s": 1}}, "timeouts.default_s"),
])
def test_what_operators_may_not_set_is_refused_with_where(operator, where):
    with pytest.raises(ConfigError, match=where):
        validate_operator(operator)


def test_a_technician_account_opens_diagnostics():
    pin_hash = hash_pin("482913", **CHEAPEST)
    config = load_config(operator={"technicians": [{"id": "t-1", "name": "Li", "pin_hash": pin_hash}]})
    lock = PinLock(config.diagnostics)
    assert lock.enabled and lock.check("technician:t-1", "482913") and not lock.check("technician:t-1", "000000")
    assert not PinLock(DiagnosticsConfig()).enabled


def test_central_re_signs_the_timestamp_before_it_expires(repo, keys, key_dirs):
    keeper = TimestampKeeper(repo.path, key_dirs["keys"] / "timestamp-1.pem", lifetime=timedelta(hours=6))
    version = repo.timestamp().signed.version
    assert not keeper.check()  # fresh: six hours left
    repo.resign_timestamp(keys.of("timestamp")[0], expires_in=timedelta(hours=2))
    assert keeper.check()
    stamp = repo.timestamp().signed
    assert stamp.version == version + 2
    assert stamp.expires - datetime.now(timezone.utc) > timedelta(hours=5)


def test_kiosks_spread_their_polls_out(tmp_path):
    import random

    from kiosk.config_updates import ConfigUpdates

    config = load_config(overrides={"data_dir": str(tmp_path), "updates.group": "district-a",
                                    "updates.poll_s": 300, "updates.jitter_s": 60})
    waits = [ConfigUpdates(config, rng=random.Random(seed)).next_wait() for seed in range(20)]
    assert all(300 <= wait <= 360 for wait in waits)
    assert max(waits) - min(waits) > 30  # not all at once
