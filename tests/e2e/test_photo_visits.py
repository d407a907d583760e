"""证件照采集 end to end: the card and the finger, then the real OpenCV camera backend playing a
citizen before a white board (drivers/emulation/photo_scenes.py), the photo checks in the face
worker, the GA 461 photo measured on the file itself, central's photo library over HTTP, the
receipt on the ESC/POS printer emulator. One visit through the real widgets; the others drive
the same kiosk core without a window."""

from __future__ import annotations

import base64
import contextlib
import sqlite3
from pathlib import Path

import pytest

from drivers.emulation import face_video, photo_scenes
from drivers.idcard.demo_cards import load_demo_card
from support.ga461_measure import measure
from support.kiosk_core import choose_service, kiosk_core, until
from support.kiosk_ui import central_visit_records, click, start_visit, verified, wait_delivered, wait_state

ZHANG = load_demo_card("zhang-wei")
PHOTO = "id_photo"
FINGER_FIRST = {"identity.default_methods": ["fingerprint"]}
JPEG_START = b"\xff\xd8\xff"


@pytest.fixture
def env(demo_env):
    return demo_env(overrides=FINGER_FIRST, camera="booth")


def at_the_camera(env, session) -> None:
    """Home → the photo service → card → finger → the camera."""
    choose_service(session, PHOTO)
    env.place_card()
    until(lambda: session.view().state == "verify")
    env.place_finger()
    until(lambda: session.view().state == "capture_photo", what="the camera")
    env.lift_finger()


def photo_shown(session) -> bytes:
    view = until(lambda: (lambda v: v if v.photo and v.photo.photo else None)(session.view()), what="a photo")
    return view.photo.photo


def central_photos(env) -> int:
    with contextlib.closing(sqlite3.connect(env.central.database_url.removeprefix("sqlite:///"))) as db:
        return db.execute("SELECT count(*) FROM id_photos").fetchone()[0]


def test_a_compliant_citizen_gets_a_ga461_photo_kept_with_its_receipt_code(qtbot, env, kiosk):
    core, window = kiosk
    start_visit(qtbot, window, PHOTO)
    env.place_card()
    verified(qtbot, env, window, until=("capture_photo",))
    page = window.pages["capture_photo"]
    qtbot.waitUntil(lambda: page.camera.frame is not None, timeout=10_000)  # the live picture in the outline
    qtbot.waitUntil(lambda: window.view.photo is not None and window.view.photo.photo is not None, timeout=30_000)
    shown = window.view.photo.photo
    qtbot.waitUntil(lambda: page.photo.isVisible() and not page.photo.pixmap().isNull())
    m = measure(shown)  # every GA 461 number, on the photo file itself
    assert m["size"] == (358, 441) and m["channels"] == 3 and m["density"] == (1, 350, 350)
    assert 14 * 1024 <= m["bytes"] <= 20_000
    assert 207 - 14 <= m["face_width"] <= 207 + 14 and abs(m["face_centre"] - 179) <= 4
    assert 7 <= m["hair_top"] <= 21 and m["eyes_above_bottom"] >= 207
    click(qtbot, page.accept)
    wait_state(qtbot, window, "choose")
    click(qtbot, window.pages["choose"].choices.buttons["keep"])
    wait_state(qtbot, window, "result", timeout=20_000)
    code = window.view.reference
    assert window.view.outcome == "stored" and code.startswith("ZP")
    job = env.printer.wait_for_job(timeout=10)
    assert code in job.text and ZHANG.id_number not in job.text
    # Any later application, on any kiosk, gets the very photo the citizen accepted.
    fetched = core.central.call(PHOTO, "fetch", {"receipt_code": code, "id_number": ZHANG.id_number})
    assert base64.b64decode(fetched["photo"]) == shown
    click(qtbot, window.pages["result"].actions.buttons["finish"])
    assert wait_delivered(core, 1)
    record = central_visit_records(env)[-1]
    assert record["photo"] == {"tries": 1, "consent": True} and "photo" not in str(record.get("result"))


def test_without_consent_no_photo_remains_anywhere(env, face_worker):
    with kiosk_core(env, face_worker) as core:
        session = core.session
        at_the_camera(env, session)
        shown = photo_shown(session)
        session.accept_photo("photo")
        until(lambda: session.view().state == "choose")
        session.choose("consent", "discard")
        until(lambda: session.view().state == "result")
        assert session.view().outcome == "not_kept"
        session.choose("result", "finish")
        until(lambda: session.view().state == "rate")
        session.skip_rating()
        session.finish()
        assert wait_delivered(core, 1)
        assert core.session.visit is None
    assert central_photos(env) == 0
    assert env.printer.jobs == []  # nothing to print: no receipt code
    kiosk_data = Path(env.config.data_dir)
    for path in [p for p in kiosk_data.rglob("*") if p.is_file()] + [Path(env.central.database_url.removeprefix("sqlite:///"))]:
        data = path.read_bytes()
        assert shown[:600] not in data and shown[-600:] not in data, path
        assert JPEG_START + b"\xe0\x00\x10JFIF" not in data, path
    assert central_visit_records(env)[-1]["photo"] == {"tries": 1, "consent": False}


def test_three_rejected_photos_end_at_the_counter_message(env, face_worker):
    with kiosk_core(env, face_worker) as core:
        session = core.session
        at_the_camera(env, session)
        for tries in (1, 2, 3):
            photo_shown(session)
            assert session.view().photo.tries == tries
            session.retake_photo("photo")
        until(lambda: session.view().state == "done")
        assert session.view().message == "photo_go_to_counter"
        session.finish()
        assert wait_delivered(core, 1)
    assert central_photos(env) == 0
    assert central_visit_records(env)[-1]["photo"]["tries"] == 3


# The scene a citizen gets wrong, and what they hear (kiosk/identity/photo_checks.py).
GUIDANCE = {"too_far": "move_closer", "turned": "face_camera", "dark": "too_dark",
            "two_faces": "multiple_faces", "eyes_closed": "photo_open_eyes"}


def test_each_thing_wrong_at_the_camera_gets_its_guidance_and_no_photo(demo_env, face_worker, tmp_path):
    frames = [frame for name in GUIDANCE for frame in photo_scenes.scene(name, frames=12)]
    video = face_video.write_avi(frames, tmp_path / "wrong.avi")
    env = demo_env(overrides={**FINGER_FIRST, "devices.camera.url": f"opencv://{video}?loop=1&pace=1"})
    heard: list[str] = []
    with kiosk_core(env, face_worker) as core:
        session = core.session
        session.subscribe(lambda v: heard.append(v.photo.guidance) if v.photo and v.photo.guidance else None)
        at_the_camera(env, session)
        until(lambda: set(GUIDANCE.values()) <= set(heard), timeout=40, what=f"every guidance (heard {set(heard)})")
        assert session.view().photo.photo is None and session.view().photo.tries == 0
        session.cancel()
    assert central_photos(env) == 0
