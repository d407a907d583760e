"""`kiosk identity verify` as a technician runs it: a real process, the OpenCV camera driver
reading an MJPG file of a synthetic scene, the face worker as its own process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import cv2
import pytest

from drivers.emulation import face_scenes
from drivers.emulation.face_video import write_avi
from identity_helpers import id_photo

KIOSK = [sys.executable, "-m", "kiosk.cli", "identity", "verify"]


@pytest.fixture(scope="module")
def media(tmp_path_factory, astronaut):
    root = tmp_path_factory.mktemp("identity-cli")
    cv2.imwrite(str(root / "astronaut-id.png"), id_photo("astronaut"))
    cv2.imwrite(str(root / "empty.png"), face_scenes.no_face(frames=1)[0][:126, :102])  # ID-photo sized
    (root / "not-an-image.jpg").write_bytes(b"this is not a JPEG")
    write_avi(face_scenes.citizen(astronaut), root / "citizen.avi", fps=15)
    write_avi(face_scenes.printed_photo(astronaut, frames=15), root / "printed.avi", fps=15)
    return root


def _verify(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([*KIOSK, *args], capture_output=True, text=True, timeout=120, cwd=cwd)


def test_cooperative_citizen_matches(media):
    # Generous times: a busy machine analyses fewer frames, and the citizen's loop must come round.
    result = _verify("--id-photo", str(media / "astronaut-id.png"), "--seed", "3",
                     "--timeout", "90", "--challenge-timeout", "40",
                     "--camera", f"opencv://{media / 'citizen.avi'}?loop=1&pace=1", cwd=media)
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["decision"] == "match" and answer["distance"] <= answer["threshold"] == 0.6, json.dumps(answer)
    assert sorted(answer["challenges_passed"]) == sorted(answer["challenges"]) and answer["frames_used"] > 10
    assert answer["elapsed_ms"] > 0


def test_printed_photo_fails_liveness_and_still_exits_zero(media):
    result = _verify("--id-photo", str(media / "astronaut-id.png"), "--challenges", "blink", "--challenge-timeout", "3",
                     "--camera", f"opencv://{media / 'printed.avi'}?loop=1&pace=1", cwd=media)
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["decision"] == "liveness_failed" and answer["challenges"] == ["blink"]
    assert answer["challenges_passed"] == []


@pytest.mark.parametrize("photo, camera, message", [
    ("not-an-image.jpg", "citizen.avi", "cannot read the ID photo"),
    ("missing.jpg", "citizen.avi", "No such file"),
    ("empty.png", "citizen.avi", "no face found in the ID photo"),
    ("astronaut-id.png", "no-such-video.avi", ""),
])
def test_errors_are_one_line_and_non_zero(media, photo, camera, message):
    result = _verify("--id-photo", str(media / photo), "--camera", f"opencv://{media / camera}", "--no-liveness",
                     cwd=media)
    assert result.returncode != 0 and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], result.stderr
