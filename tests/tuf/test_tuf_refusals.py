"""Every refusal of a new operator config, against the real ngclient updater over HTTP: the
running config stays exactly as it was, and the reason is kept for the heartbeat."""

from __future__ import annotations

import json
import shutil
from datetime import timedelta

import pytest
from tuf.api.metadata import Metadata, Root
from tuf.api.serialization.json import JSONSerializer

from central import tuf_keys
from kiosk.config_updates import Refused
from kiosk.config_updates.store import CURRENT

from support.signed_config import GROUP

CONFIG_1 = {"language": "zh", "notices": [{"text": {"zh": "第一版", "en": "first"}}]}
CONFIG_2 = {"language": "en", "notices": [{"text": {"zh": "第二版", "en": "second"}}]}


def run_version_1(repo, keys, updater, store) -> bytes:
    """Version 1 published, fetched and applied; returns current.json's bytes."""
    assert repo.publish(GROUP, CONFIG_1, keys) == 1
    outcome = updater.fetch()
    assert (outcome.version, outcome.new) == (1, True)
    assert store.apply_staged()["config"] == CONFIG_1
    return (store.dir / CURRENT).read_bytes()


def assert_refused(updater, store, before: bytes, reason: str) -> str:
    with pytest.raises(Refused, match=reason) as refused:
        updater.fetch()
    assert (store.dir / CURRENT).read_bytes() == before
    assert store.running_version() == 1
    assert store.staged() is None
    assert store.status()["rejected"]["reason"] == str(refused.value)
    return str(refused.value)


def test_a_new_version_is_fetched_staged_and_nothing_new_is_success(repo, keys, updater, store):
    run_version_1(repo, keys, updater, store)
    again = updater.fetch()
    assert (again.version, again.seen, again.new) == (1, 1, False)
    assert repo.publish(GROUP, CONFIG_2, keys) == 2
    outcome = updater.fetch()
    assert (outcome.version, outcome.new) == (2, True)
    assert store.running_version() == 1  # staged only: applied between visits
    assert store.apply_staged()["config"] == CONFIG_2
    assert store.running_version() == 2


def test_a_tampered_target_is_refused(repo, keys, updater, store):
    before = run_version_1(repo, keys, updater, store)
    repo.publish(GROUP, CONFIG_2, keys)
    target = repo.targets().signed.targets[f"groups/{GROUP}/config.json"]
    path = repo.targets_dir / f"groups/{GROUP}/{target.hashes['sha256']}.config.json"
    path.write_bytes(path.read_bytes().replace(b'"en"', b'"zh"'))  # same length, other bytes
    assert_refused(updater, store, before, "tampered")
    assert store.status()["seen"] == 2  # offered and signed, refused: the heartbeat says both


def test_metadata_edited_after_signing_is_a_bad_signature(repo, keys, updater, store):
    before = run_version_1(repo, keys, updater, store)
    repo.publish(GROUP, CONFIG_2, keys)
    name = f"{repo.targets().signed.version}.targets.json"
    md = Metadata.from_bytes((repo.metadata_dir / name).read_bytes())
    md.signed.targets[f"groups/{GROUP}/config.json"].unrecognized_fields["custom"]["version"] = 7
    (repo.metadata_dir / name).write_bytes(md.to_bytes(JSONSerializer()))  # the old signature kept
    assert_refused(updater, store, before, "bad signature")


def test_metadata_signed_by_a_key_the_root_does_not_name_is_refused(repo, keys, key_dirs, updater, store):
    before = run_version_1(repo, keys, updater, store)
    repo.publish(GROUP, CONFIG_2, keys)
    stranger = tuf_keys.load(key_dirs["other"]).of("timestamp")[0]
    md = repo.timestamp()
    md.signed.version += 1
    md.sign(stranger)
    (repo.metadata_dir / "timestamp.json").write_bytes(md.to_bytes(JSONSerializer()))
    assert_refused(updater, store, before, "bad signature")


def test_a_signed_config_older_than_the_running_one_is_refused(repo, keys, updater, store):
    run_version_1(repo, keys, updater, store)
    repo.publish(GROUP, CONFIG_2, keys)
    updater.fetch()
    store.apply_staged()
    before = (store.dir / CURRENT).read_bytes()
    document = {"group": GROUP, "version": 1, "config": CONFIG_1}
    repo.publish_target_bytes(GROUP, json.dumps(document).encode(), keys, version=1)
    with pytest.raises(Refused, match="version 1 is older than the running 2"):
        updater.fetch()
    assert (store.dir / CURRENT).read_bytes() == before


def test_older_metadata_replayed_is_refused(repo, keys, updater, store):
    before = run_version_1(repo, keys, updater, store)
    old_timestamp = (repo.metadata_dir / "timestamp.json").read_bytes()
    repo.publish(GROUP, CONFIG_2, keys)
    updater.fetch()  # version 2 staged, the newer timestamp now trusted
    (store.dir / "staged.json").unlink()
    (repo.metadata_dir / "timestamp.json").write_bytes(old_timestamp)  # an attacker's replay
    assert_refused(updater, store, before, "rollback")


def test_expired_metadata_is_refused(repo, keys, updater, store):
    before = run_version_1(repo, keys, updater, store)
    repo.publish(GROUP, CONFIG_2, keys)
    repo.resign_timestamp(keys.of("timestamp")[0], expires_in=timedelta(hours=-1))
    assert_refused(updater, store, before, "expired metadata")


def test_a_target_for_another_group_is_refused(repo, keys, updater, store):
    before = run_version_1(repo, keys, updater, store)
    document = {"group": "district-b", "version": 2, "config": CONFIG_2}
    repo.publish_target_bytes(GROUP, json.dumps(document).encode(), keys, version=2)
    reason = assert_refused(updater, store, before, "for group 'district-b'")
    assert "district-a" in reason


def test_a_config_failing_the_schema_is_refused(repo, keys, updater, store):
    before = run_version_1(repo, keys, updater, store)
    document = {"group": GROUP, "version": 2, "config": {"language": "fr", "devices": {}}}
    repo.publish_target_bytes(GROUP, json.dumps(document).encode(), keys, version=2)
    assert_refused(updater, store, before, "fails the schema")
    # Said again on the next round, not applied: the version stays refused until a newer one.
    assert_refused(updater, store, before, "fails the schema")
    assert repo.publish(GROUP, CONFIG_2, keys) == 3
    assert updater.fetch().new


def test_a_receipt_template_with_an_unknown_placeholder_is_refused_with_its_reason(repo, keys, updater, store):
    before = run_version_1(repo, keys, updater, store)
    bad = {"documents": {"receipt": {"footer": [{"zh": "您好，{name}"}]}}}
    document = {"group": GROUP, "version": 2, "config": bad}
    repo.publish_target_bytes(GROUP, json.dumps(document).encode(), keys, version=2)
    reason = assert_refused(updater, store, before, "fails the schema")
    assert "documents.receipt.footer.0.zh: Value error, unknown placeholder {name}" in reason


def test_a_snapshot_with_targets_of_another_version_is_refused(repo, keys, updater, store):
    """Mix-and-match: the snapshot names targets version N, the file served is a valid N-1."""
    before = run_version_1(repo, keys, updater, store)
    older = repo.targets().signed.version
    repo.publish(GROUP, CONFIG_2, keys)
    newer = repo.targets().signed.version
    shutil.copy(repo.metadata_dir / f"{older}.targets.json", repo.metadata_dir / f"{newer}.targets.json")
    assert_refused(updater, store, before, "mix-and-match")


def test_root_rotation_is_followed_and_the_old_keys_lose_their_power(repo, keys, key_dirs, updater, store):
    run_version_1(repo, keys, updater, store)
    new = tuf_keys.load(key_dirs["other"])
    assert repo.rotate_root(keys, new) == 2
    assert repo.publish(GROUP, CONFIG_2, new) == 2
    outcome = updater.fetch()  # the kiosk walks from the root it was installed with to root 2
    assert (outcome.version, outcome.new) == (2, True)
    trusted = Metadata[Root].from_bytes((store.dir / "metadata" / "root.json").read_bytes())
    assert trusted.signed.version == 2
    store.apply_staged()
    before = (store.dir / CURRENT).read_bytes()
    # A timestamp signed with the old timestamp key no longer counts.
    md = repo.timestamp()
    md.signed.version += 1
    md.sign(keys.of("timestamp")[0])
    (repo.metadata_dir / "timestamp.json").write_bytes(md.to_bytes(JSONSerializer()))
    with pytest.raises(Refused, match="bad signature"):
        updater.fetch()
    assert (store.dir / CURRENT).read_bytes() == before


def test_a_root_signed_by_fewer_old_keys_than_the_threshold_is_refused(repo, keys, key_dirs, updater, store):
    before = run_version_1(repo, keys, updater, store)
    new = tuf_keys.load(key_dirs["other"])
    md = repo.root()
    md.signed.version = 2
    for keyid in list(md.signed.roles["root"].keyids):
        md.signed.revoke_key(keyid, "root")
    for signer in new.of("root"):
        md.signed.add_key(signer.public_key, "root")
    md.sign(keys.of("root")[0])  # one of the old three, where the old root asks for two
    for signer in new.of("root"):
        md.sign(signer, append=True)
    (repo.metadata_dir / "2.root.json").write_bytes(md.to_bytes(JSONSerializer()))
    assert_refused(updater, store, before, "bad signature")


def test_rotating_needs_the_threshold_of_the_current_root(repo, keys, key_dirs):
    from central.tuf_keys import KeySet
    from central.tuf_repo import RepositoryError

    one = KeySet({"root": keys.of("root")[:1]})
    with pytest.raises(RepositoryError, match="needs 2 of its keys, 1 given"):
        repo.rotate_root(one, tuf_keys.load(key_dirs["other"]))
