"""ID photo checks and the GA 461 output, on frames made from the bundled real portraits
(drivers/emulation/photo_scenes.py), read back through the real OpenCV camera backend from a
Motion-JPEG file. The output's geometry is measured on the JPEG itself, with dlib and a pixel
scan of our own, not taken from the crop the code computed."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from drivers.emulation import face_video, photo_scenes
from kiosk.identity import ga461, photo_checks
from kiosk.identity.photo_checks import PhotoReport
from kiosk.texts import CATALOGUE, translation
from support.ga461_measure import measure

# scene -> the check it is made to fail, and the guidance the citizen gets for it
FAILING = {
    "too_far": ("face_size", "move_closer"),
    "off_centre": ("in_frame", "centre_face"),
    "turned": ("frontal", "face_camera"),
    "tilted": ("level", "photo_level_head"),
    "eyes_closed": ("eyes_open", "photo_open_eyes"),
    "dark": ("exposure", "too_dark"),
    "uneven_light": ("even_light", "photo_even_light"),
    "busy_background": ("plain_background", "photo_plain_background"),
    "dark_background": ("light_background", "photo_light_background"),
    "two_faces": ("one_face", "multiple_faces"),
    "hat": ("no_hat", "photo_remove_hat"),
}


@pytest.fixture(scope="session")
def camera_frames(tmp_path_factory):
    """scene -> frames as the OpenCV camera backend delivers them from a Motion-JPEG file."""
    from drivers.registry import open_device

    root = tmp_path_factory.mktemp("photo-media")
    frames = {}
    for name in photo_scenes.SCENES:
        path = face_video.write_avi(photo_scenes.scene(name, frames=3), root / f"{name}.avi")
        camera = open_device(f"opencv://{path}?loop=1&pace=1")
        try:
            frames[name] = [camera.read_frame(timeout_s=5).image for _ in range(3)]
        finally:
            camera.close()
    return frames


def test_a_compliant_frame_passes_every_check(camera_frames):
    for frame in camera_frames["compliant"]:
        report = photo_checks.assess(frame)
        assert report.passed, [(c.name, c.value) for c in report.checks if not c.passed]
        assert report.guidance is None and report.crop is not None
        assert len(report.checks) == 12


@pytest.mark.parametrize("scene", sorted(FAILING))
def test_each_scene_fails_its_check_with_its_guidance(camera_frames, scene):
    name, code = FAILING[scene]
    report = photo_checks.assess(camera_frames[scene][0])
    assert not report.passed
    failed = report.by_name(name)
    assert not failed.passed and failed.code == code
    assert code in CATALOGUE and translation(code, "en")


@pytest.mark.parametrize("scene, guidance", [("too_far", "move_closer"), ("turned", "face_camera"),
                                             ("dark", "too_dark"), ("two_faces", "multiple_faces"),
                                             ("eyes_closed", "photo_open_eyes"), ("hat", "photo_remove_hat"),
                                             ("dark_background", "photo_light_background")])
def test_the_citizen_hears_the_first_thing_to_fix(camera_frames, scene, guidance):
    assert photo_checks.assess(camera_frames[scene][0]).guidance == guidance


def test_an_empty_frame_has_no_face():
    report = photo_checks.assess(np.full((800, 600, 3), 236, np.uint8))
    assert report.failed == ("one_face",) and report.guidance == "no_face" and report.crop is None


def test_a_face_too_close_for_the_crop_is_told_to_step_back():
    person = photo_scenes.cut_out("astronaut")
    frame = photo_scenes.compose(person, face_width=360, centre=(300, 360))
    report = photo_checks.assess(frame)
    assert report.by_name("in_frame").code == "move_back" and not report.by_name("in_frame").passed


def test_every_photo_guidance_code_is_in_the_catalogue():
    codes = {value for name, value in vars(photo_checks).items()
             if name.isupper() and isinstance(value, str)}
    assert len(codes) == 15  # its own six and the face check's nine it reuses
    for code in codes:
        assert code in CATALOGUE and translation(code, "en"), code


def test_the_face_worker_runs_the_checks(worker, camera_frames):
    report = worker.photo(camera_frames["compliant"][0])
    assert isinstance(report, PhotoReport) and report.passed
    assert worker.photo(camera_frames["eyes_closed"][0]).guidance == "photo_open_eyes"


# ---- the GA 461 photo, measured ---------------------------------------------------------------


def test_a_compliant_frame_gives_a_photo_that_meets_every_ga461_number(camera_frames, tmp_path):
    for frame in camera_frames["compliant"]:
        report = photo_checks.assess(frame)
        jpeg = ga461.export(frame, report.crop)
        (tmp_path / "photo.jpg").write_bytes(jpeg)
        m = measure((tmp_path / "photo.jpg").read_bytes())
        assert m["size"] == (358, 441) and m["channels"] == 3 and m["dtype"] == np.uint8  # 24-bit colour
        assert m["density"] == (1, 350, 350)  # dots per inch
        assert 14 * 1024 <= m["bytes"] <= 20_000
        assert 207 - 14 <= m["face_width"] <= 207 + 14
        assert abs(m["face_centre"] - 179) <= 4  # horizontally centred
        assert 7 <= m["hair_top"] <= 21
        assert m["eyes_above_bottom"] >= 207


def test_when_both_cannot_be_met_the_eye_rule_wins():
    """A tall hairdo (a bun drawn with OpenCV over the real portrait): keeping the hair 7 px
    down would put the eyes too low, so the hair is cut and the eyes stay 207 px up."""
    person = photo_scenes.cut_out("astronaut")
    frame = photo_scenes.compose(person)
    points = _points(frame)
    top = int(photo_checks.head_top(frame, points, points[16, 0] - points[0, 0], np.array(photo_scenes.BOARD, float)))
    cv2.ellipse(frame, (300, top), (70, 90), 0, 0, 360, (40, 70, 110), -1)
    report = photo_checks.assess(frame)
    m = measure(ga461.export(frame, report.crop))
    assert m["eyes_above_bottom"] >= 207 and m["hair_top"] < 7


def _points(frame):
    from kiosk.identity import face

    faces = face.detect(frame, width=None)
    rgb = cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
    return face.shape_points(face.landmark_shape(rgb, faces[face.pick_primary(faces, 600, 800)]))


def test_the_jpeg_size_is_brought_into_the_range():
    noisy = np.random.default_rng(0).integers(0, 255, (441, 358, 3), dtype=np.uint8)
    flat = np.full((441, 358, 3), 236, np.uint8)
    crop = photo_checks.Crop(0.0, 0.0, 1.0)
    assert len(ga461.encode(ga461.cut(noisy, crop))) > 20_000  # quality 70 alone would not do
    assert ga461.size_in_range(ga461.export(noisy, crop)) is False  # …nor would any quality: nearest
    assert len(ga461.export(noisy, crop)) < len(ga461.encode(ga461.cut(noisy, crop)))
    assert len(ga461.export(flat, crop)) < 14 * 1024  # a blank wall cannot be made 14 KB: the closest


def test_density_needs_a_jfif_jpeg():
    with pytest.raises(ValueError, match="not a JFIF JPEG"):
        ga461.with_density(b"\x89PNG\r\n")
