"""The outbox key file and AES-GCM sealing."""

from __future__ import annotations

import stat

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from offline_queue.crypto import KeyFileError, Sealer, TamperedRecord, load_or_create_key, record_aad


def test_key_is_created_once_with_owner_only_permissions(tmp_path):
    path = tmp_path / "outbox.key"
    key = load_or_create_key(path)
    assert len(key) == 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_or_create_key(path) == key
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind


def test_malformed_key_file_is_a_clear_error(tmp_path):
    path = tmp_path / "outbox.key"
    path.write_bytes(b"short")
    with pytest.raises(KeyFileError, match="holds 5 bytes, expected 32"):
        load_or_create_key(path)


def test_unreadable_key_file_is_a_clear_error(tmp_path):
    path = tmp_path / "outbox.key"
    path.mkdir()  # a directory cannot be read as a key, even by root
    with pytest.raises(KeyFileError, match="cannot read outbox key file"):
        load_or_create_key(path)


def test_key_in_missing_directory_is_a_clear_error(tmp_path):
    with pytest.raises(KeyFileError, match="cannot create outbox key file"):
        load_or_create_key(tmp_path / "missing" / "outbox.key")


def test_seal_and_open_round_trip_with_chinese_text():
    sealer = Sealer(bytes(32))
    record = {"name": "张三", "id_number": "11010519491231002X"}
    blob = sealer.seal(record, record_aad("visit", "v-1"))
    assert b"11010519491231002X" not in blob
    assert sealer.open(blob, record_aad("visit", "v-1")) == record


def test_blob_moved_to_another_row_does_not_open():
    sealer = Sealer(bytes(32))
    blob = sealer.seal({"a": 1}, record_aad("visit", "v-1"))
    with pytest.raises(TamperedRecord):
        sealer.open(blob, record_aad("visit", "v-2"))
    with pytest.raises(TamperedRecord):
        sealer.open(blob, record_aad("rating", "v-1"))


def test_another_key_does_not_open():
    blob = Sealer(bytes(32)).seal({"a": 1}, b"aad")
    with pytest.raises(TamperedRecord):
        Sealer(b"\x01" * 32).open(blob, b"aad")


def test_wrong_key_length_is_refused():
    with pytest.raises(ValueError, match="32 bytes"):
        Sealer(b"\x00" * 16)


_SEALER = Sealer(bytes(range(32)))
_BLOB = _SEALER.seal({"visit_id": "v-1", "outcome": "completed"}, b"visit\nv-1")


@settings(max_examples=300, deadline=None)
@given(position=st.integers(0, len(_BLOB) - 1), flip=st.integers(1, 255), cut=st.integers(0, len(_BLOB)))
def test_any_altered_or_truncated_blob_raises_only_tampered_record(position, flip, cut):
    altered = bytearray(_BLOB)
    altered[position] ^= flip
    with pytest.raises(TamperedRecord):
        _SEALER.open(bytes(altered), b"visit\nv-1")
    if cut < len(_BLOB):
        with pytest.raises(TamperedRecord):
            _SEALER.open(_BLOB[:cut], b"visit\nv-1")


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200))
def test_random_bytes_raise_only_tampered_record(blob):
    with pytest.raises(TamperedRecord):
        _SEALER.open(blob, b"visit\nv-1")
