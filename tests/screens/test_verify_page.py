"""The identity check's page: the camera's picture in the guide, the challenge, the guidance, and
the fingerprint sensor on fallback; English through the translation files."""

import threading

import cv2
import pytest

from drivers.camera.base import Frame
from drivers.emulation import face_video
from drivers.idcard.demo_cards import load_demo_card
from kiosk.config import load_config
from kiosk.identity.policy import PolicyStep
from kiosk.session import Session
from kiosk.verification import Preview
from screens.app import make_window
from support.kiosk_ui import QuietRunner

SERVICE = "no_criminal_record"


@pytest.fixture
def verifying(qtbot):
    session = Session(load_config(), QuietRunner())
    preview = Preview()
    window = make_window(session, size=(1080, 1920), preview=preview)
    qtbot.addWidget(window)
    session.touch()
    session.choose_service(SERVICE)
    session.card_read(session.visit.id, load_demo_card("zhang-wei"))
    qtbot.waitUntil(lambda: window.view.state == "verify")
    yield session, preview, window
    window.shutdown()


def camera_frame(index=0):
    image = cv2.imread(str(face_video.face_path("astronaut")))
    return Frame(cv2.resize(image, face_video.SCENE_SIZE), index, 0.0)


def test_challenge_guidance_and_the_camera_picture(qtbot, verifying):
    session, preview, window = verifying
    page = window.pages["verify"]
    visit_id = session.visit.id
    session.verify_step(visit_id, PolicyStep("start", "face", "identity_start_face"))
    session.verify_update(visit_id, "face", "move_closer", None, 0.1)
    qtbot.waitUntil(lambda: page.guidance.text() == "请靠近一些")
    session.verify_update(visit_id, "face", "blink", "blink", 0.4)
    qtbot.waitUntil(lambda: page.prompt.text() == "请眨眨眼")
    assert page.camera.progress == 0.4 and page.camera.isVisible() and not page.finger.isVisible()

    # Frames come from the camera's thread, as in the core.
    thread = threading.Thread(target=lambda: [preview.publish(camera_frame(i)) for i in range(5)])
    thread.start()
    thread.join()
    qtbot.waitUntil(lambda: page.camera.frame is not None)
    assert page.camera.frame.width() == preview.width  # downscaled before it reaches the screen
    assert not page.grab().isNull()

    session.set_language("en")
    qtbot.waitUntil(lambda: page.prompt.text() == "Please blink")
    assert page.title.text() == "Face check"
    session.set_language("zh")  # the translator is the application's: leave it Chinese
    qtbot.waitUntil(lambda: page.prompt.text() == "请眨眨眼")


def test_fingerprint_fallback_and_nothing_left_after_the_visit(qtbot, verifying):
    session, preview, window = verifying
    page = window.pages["verify"]
    preview.publish(camera_frame())
    qtbot.waitUntil(lambda: page.camera.frame is not None)
    session.verify_step(session.visit.id, PolicyStep("fallback", "fingerprint", "identity_use_fingerprint"))
    qtbot.waitUntil(lambda: page.finger.isVisible())
    assert not page.camera.isVisible() and page.prompt.text() == "请将手指放在指纹仪上"
    assert page.message.text() == "请改用指纹核验，将手指放在指纹仪上"
    session.cancel()
    qtbot.waitUntil(lambda: window.view.state == "attract")
    assert page.camera.frame is None and page.message.text() == ""
