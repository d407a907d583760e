"""Emulated-camera media made from the bundled face photos."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from drivers.emulation import face_video


def test_citizen_scene_is_a_moving_640x480_picture(citizen):
    assert all(frame.shape == (480, 640, 3) and frame.dtype == np.uint8 for frame in citizen)
    assert not np.array_equal(citizen[0], citizen[1])
    # small motion: neighbouring frames are close, the sway shows over a second
    assert np.abs(citizen[0].astype(int) - citizen[1]).mean() < 12
    assert face_video.citizen_frames("astronaut", count=3)[2].tobytes() == citizen[2].tobytes()  # seeded


def test_the_face_is_found_where_it_was_put(citizen):
    face_recognition = pytest.importorskip("face_recognition")
    boxes = face_recognition.face_locations(cv2.cvtColor(citizen[0], cv2.COLOR_BGR2RGB))
    assert len(boxes) == 1
    top, right, bottom, left = boxes[0]
    assert 200 < (left + right) / 2 < 440 and 100 < right - left < 260
    grace = face_video.citizen_frames("grace-hopper", count=1)[0]
    assert len(face_recognition.face_locations(cv2.cvtColor(grace, cv2.COLOR_BGR2RGB))) == 1
    nobody = face_video.empty_scene()
    assert face_recognition.face_locations(cv2.cvtColor(nobody, cv2.COLOR_BGR2RGB)) == []


def test_avi_round_trip(tmp_path, citizen):
    path = face_video.write_avi(citizen[:8], tmp_path / "out" / "c.avi", fps=10)
    capture = cv2.VideoCapture(str(path))
    assert capture.get(cv2.CAP_PROP_FPS) == 10 and capture.get(cv2.CAP_PROP_FOURCC) == cv2.VideoWriter_fourcc(*"MJPG")
    capture.release()
    frames = face_video.read_frames(path)
    assert len(frames) == 8 and np.abs(frames[3].astype(int) - citizen[3]).mean() < 4


def test_image_sequence_round_trip(tmp_path, citizen):
    pattern = face_video.write_image_sequence(citizen[:3], tmp_path / "seq")
    assert pattern == str(tmp_path / "seq" / "frame_%03d.png")
    assert sorted(p.name for p in (tmp_path / "seq").iterdir()) == ["frame_000.png", "frame_001.png", "frame_002.png"]
    assert all(np.array_equal(a, b) for a, b in zip(face_video.read_frames(tmp_path / "seq"), citizen[:3]))


def test_writers_refuse_bad_input(tmp_path):
    with pytest.raises(ValueError, match="no frames"):
        face_video.write_avi([], tmp_path / "x.avi")
    with pytest.raises(ValueError, match="not 64×48"):
        face_video.write_avi([np.zeros((48, 64, 3), np.uint8), np.zeros((40, 64, 3), np.uint8)], tmp_path / "y.avi")
    with pytest.raises(ValueError, match="BGR"):
        face_video.write_image_sequence([np.zeros((4, 4, 4), np.uint8)], tmp_path / "z")
    with pytest.raises(ValueError, match="no face image 'nobody'"):
        face_video.load_face("nobody")


def test_edits():
    face = face_video.load_face("astronaut")
    brighter, darker = face_video.adjust_light(face, 1.4), face_video.adjust_light(face, 0.6)
    assert darker.mean() < face.mean() < brighter.mean()
    turned = face_video.rotate(face, 8)
    assert turned.shape == face.shape and not np.array_equal(turned, face)
    rough = face_video.recompress(face, 30)
    assert rough.shape == face.shape and 0 < np.abs(rough.astype(int) - face).mean() < 10
    photo = face_video.id_photo(face, "astronaut")
    assert photo.shape == (126, 102, 3)
    assert face_video.id_photo(np.zeros((300, 200, 3), np.uint8)).shape == (126, 102, 3)
