"""After a verification nothing biometric is on disk: the data directory holds the lockout
count under a keyed hash and its key, no image, no encoding, no ID number."""

from __future__ import annotations

import os

import numpy as np

from drivers.emulation import face_scenes
from identity_helpers import feed_frames, id_photo, verifier_for
from kiosk.config import IdentityConfig
from kiosk.identity.policy import FailureLog, IdentityPolicy

CARD = "11010519491231002X"
IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG", b"\x93NUMPY", b"RIFF", b"BM")


def test_nothing_biometric_is_left_in_the_data_directory(worker, astronaut, tmp_path, monkeypatch):
    data_dir, scratch = tmp_path / "data", tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))
    policy = IdentityPolicy(IdentityConfig(), FailureLog(data_dir))
    check = policy.begin("no_criminal_record", CARD)

    reference = id_photo("grace-hopper")  # a failed check is the one that writes to disk
    verifier = verifier_for(worker, reference, liveness=False)
    decision = feed_frames(verifier, face_scenes.citizen(astronaut))[-1].decision
    assert decision.decision == "no_match"
    assert check.after(decision.decision).action == "retry"
    encoding = worker.reference_encoding(reference)
    verifier.wipe()
    check.wipe()

    files = {p.relative_to(data_dir).as_posix(): p.read_bytes() for p in data_dir.rglob("*") if p.is_file()}
    assert set(files) == {"identity-failures.db", "keys/identity.key"}
    for name, data in files.items():
        assert not data.startswith(IMAGE_MAGIC), name
        assert CARD.encode() not in data, name
        for dtype in (np.float64, np.float32):
            assert encoding.astype(dtype)[:4].tobytes() not in data, name
    assert os.listdir(scratch) == []
    assert not verifier.holds_biometrics
    assert decision.record().keys() == {"method", "decision", "score", "at"}
