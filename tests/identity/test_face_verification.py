"""The face check end to end through the real face worker: real dlib models, synthetic scenes
made from the bundled photos. Two people and edited copies of one photo: this shows that the
pipeline works, not how accurate it is (docs/identity.md)."""

from __future__ import annotations

import pytest

from drivers.emulation import face_scenes, face_video
from kiosk.identity import quality
from identity_helpers import feed_frames, id_photo, verifier_for


EDITS = {
    "original": lambda image: image,
    "darker": lambda image: face_video.adjust_light(image, 0.6),
    "brighter": lambda image: face_video.adjust_light(image, 1.4),
    "rotated": lambda image: face_video.rotate(image, 8),
    "jpeg_q30": lambda image: face_video.recompress(image, 30),
}


@pytest.fixture(scope="module")
def citizen_astronaut(astronaut):
    return face_scenes.citizen(astronaut)


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_same_person_is_accepted_from_an_edited_id_photo(worker, citizen_astronaut, edit):
    verifier = verifier_for(worker, EDITS[edit](id_photo("astronaut")), liveness=False)
    decision = feed_frames(verifier, citizen_astronaut)[-1].decision
    assert decision is not None and decision.decision == "match"
    assert decision.distance < 0.45 and decision.frames_used == 3


@pytest.mark.parametrize("edit", ["original", "rotated"])
def test_different_person_is_rejected(worker, citizen_astronaut, edit):
    verifier = verifier_for(worker, EDITS[edit](id_photo("grace-hopper")), liveness=False)
    decision = feed_frames(verifier, citizen_astronaut)[-1].decision
    assert decision.decision == "no_match" and decision.distance > 0.6
    assert decision.record()["score"] == round(decision.distance, 3)


@pytest.mark.parametrize("scene, guidance, outcome", [
    ("no_face", quality.NO_FACE, "no_face"),
    ("two_faces", quality.MULTIPLE_FACES, "poor_quality"),
    ("too_small", quality.MOVE_CLOSER, "poor_quality"),
    ("too_dark", quality.TOO_DARK, "poor_quality"),
])
def test_unusable_scenes_give_guidance_and_no_decision_on_the_face(worker, astronaut, hopper, scene, guidance, outcome):
    frames = {
        "no_face": lambda: face_scenes.no_face(frames=4),
        "two_faces": lambda: face_scenes.two_faces(astronaut, hopper, frames=4),
        "too_small": lambda: face_scenes.too_small(astronaut, frames=4),
        "too_dark": lambda: face_scenes.too_dark(astronaut, frames=4),
    }[scene]()
    verifier = verifier_for(worker, id_photo("astronaut"), liveness=False)
    updates = feed_frames(verifier, frames, max_frames=4)
    assert [u.guidance for u in updates] == [guidance] * 4
    assert all(u.decision is None for u in updates)
    decision = verifier.time_up()
    assert decision.decision == outcome and decision.distance is None
    assert decision.reason == guidance


def test_a_time_out_with_only_a_turned_face_is_poor_quality_with_its_guidance(worker, astronaut):
    """Turned away the whole time: no frame was blocked, none could be compared. The attempt
    ends as poor_quality saying why, not as a bare timeout."""
    turned = face_scenes.citizen(astronaut, order=("turn_left",))[8:12]  # the head at its widest turn
    verifier = verifier_for(worker, id_photo("astronaut"), liveness=False)
    updates = feed_frames(verifier, turned, max_frames=6)
    assert [u.guidance for u in updates] == [quality.FACE_CAMERA] * 6 and updates[-1].decision is None
    decision = verifier.time_up()
    assert (decision.decision, decision.reason) == ("poor_quality", quality.FACE_CAMERA)


def test_a_time_out_after_clean_frames_is_still_a_timeout(worker, astronaut):
    frames = face_scenes.citizen(astronaut, order=("blink",))
    verifier = verifier_for(worker, id_photo("astronaut"), challenges=("turn",), challenge_timeout_s=60)
    feed_frames(verifier, frames[:6], max_frames=6)  # still, clean frames; the turn never comes
    assert verifier.time_up().decision == "timeout"


def test_id_photo_without_a_face_is_an_error(worker):
    from kiosk.identity.worker import WorkerRequestFailed

    from kiosk.identity.verifier import FaceVerifier

    verifier = FaceVerifier(worker)
    verifier.prepare(face_scenes.no_face(frames=1)[0])
    with pytest.raises(WorkerRequestFailed, match="no face"):
        verifier.wait_reference()


def test_wipe_drops_the_encoding_and_distances(worker, citizen_astronaut):
    verifier = verifier_for(worker, id_photo("astronaut"), liveness=False)
    feed_frames(verifier, citizen_astronaut, max_frames=2)
    assert verifier.holds_biometrics
    verifier.wipe()
    assert not verifier.holds_biometrics
