"""Spoken prompts through the real espeak-ng, recorded to WAV files instead of the speaker."""

import shutil
import time
import wave

import pytest

from kiosk.config import load_config
from kiosk.services import build_services
from kiosk.prompts import spoken_prompt
from kiosk.session import Session
from kiosk.speech import Speaker

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None,
                                  reason="espeak-ng is not installed (packaging/system-deps.sh speech)")


def wait_for_files(directory, count, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        files = sorted(directory.glob("*.wav")) if directory.exists() else []
        if len(files) >= count:
            time.sleep(0.3)  # let espeak-ng finish writing the last one
            return files
        time.sleep(0.05)
    raise AssertionError(f"{count} prompts not spoken in {timeout} s")


def seconds(path):
    with wave.open(str(path)) as audio:
        return audio.getnframes() / audio.getframerate()


@needs_espeak
def test_mandarin_and_english_prompts_are_spoken(tmp_path):
    speaker = Speaker(record_dir=tmp_path)
    try:
        speaker.say("请将身份证放在读卡区", "zh")
        first = wait_for_files(tmp_path, 1)
        speaker.say("Please place your ID card on the reader", "en")
        files = wait_for_files(tmp_path, 2)
    finally:
        speaker.stop()
    assert first[0].name.endswith("-cmn.wav") and files[1].name.endswith("-en.wav")
    assert all(seconds(f) > 0.5 for f in files)


def test_no_engine_means_silence_not_a_crash(tmp_path, caplog):
    speaker = Speaker(command="no-such-speech-engine", record_dir=tmp_path)
    speaker.say("请选择要办理的业务")
    speaker.stop()
    assert speaker.silent and "not installed" in speaker.silent_reason
    assert "spoken prompts off" in caplog.text
    assert not list(tmp_path.glob("*"))


def spoken():
    """(what was said, a session listener saying what the kiosk would say)."""
    said, last = [], [None]

    def listen(view):
        text = spoken_prompt(view, last[0])
        last[0] = view
        if text:
            said.append(text)

    return said, listen


class Runner:
    def start_stage(self, visit, stage): pass
    def record_rating(self, visit): pass
    def visit_ended(self, visit, outcome): pass


def test_prompts_follow_the_visit():
    now = [0.0]
    config = load_config()
    session = Session(config, Runner(), build_services(config), clock=lambda: now[0])
    said, listen = spoken()
    session.subscribe(listen)
    session.touch()
    session.touch()  # activity on the same screen says nothing new
    session.set_language("en")
    session.choose_service("no_criminal_record")
    now[0] += 50
    session.tick()
    assert said == ["请选择要办理的业务", "Please choose a service",
                    "Please place your ID card on the reader and keep it still", "Do you need more time?"]


def test_choices_typed_entries_and_low_ratings_are_spoken():
    config = load_config()
    session = Session(config, Runner(), build_services(config))
    said, listen = spoken()
    session.subscribe(listen)
    session.touch()
    session.choose_service("progress_query")
    session.choose("method", "number")
    session.key("reference", "A")  # typing on the same stage says nothing new
    assert said[-2:] == ["刷身份证可查询本人全部业务并补打证明", "回执上的证明编号或申请编号"]


def test_the_identity_check_speaks_its_steps_and_challenges():
    from drivers.idcard.demo_cards import load_demo_card
    from kiosk.identity.policy import PolicyStep

    config = load_config()
    session = Session(config, Runner(), build_services(config))
    said, listen = spoken()
    session.touch()
    session.choose_service("no_criminal_record")
    session.card_read(session.visit.id, load_demo_card("zhang-wei"))
    visit_id = session.visit.id
    session.subscribe(listen)
    said.clear()
    session.verify_step(visit_id, PolicyStep("start", "face", "identity_start_face"))
    session.verify_update(visit_id, "face", "move_closer", None, 0.0)
    session.verify_update(visit_id, "face", "blink", "blink", 0.1)
    session.verify_update(visit_id, "face", "blink", "blink", 0.2)  # the same challenge: said once
    session.verify_update(visit_id, "face", "turn_left", "turn_left", 0.5)
    session.verify_step(visit_id, PolicyStep("fallback", "fingerprint", "identity_use_fingerprint"))
    assert said == ["请正对摄像头，按提示操作", "请眨眨眼", "请向左转头", "请改用指纹核验，将手指放在指纹仪上"]


def test_the_id_photo_camera_speaks_each_new_thing_to_fix_and_the_review():
    from drivers.idcard.demo_cards import load_demo_card
    from kiosk.identity.policy import PolicyStep

    config = load_config()
    session = Session(config, Runner(), build_services(config))
    said, listen = spoken()
    session.touch()
    session.choose_service("id_photo")
    visit_id = session.visit.id
    session.card_read(visit_id, load_demo_card("zhang-wei"))
    session.verify_finished(visit_id, PolicyStep("verified", None, "identity_verified"))
    session.subscribe(listen)
    session.photo_update(visit_id, "photo", "move_closer")
    session.photo_update(visit_id, "photo", "move_closer")  # the same hint: said once
    session.photo_update(visit_id, "photo", "photo_open_eyes")
    session.photo_update(visit_id, "photo", None)  # all well: hold still, nothing to say
    session.photo_taken(visit_id, "photo", b"\xff\xd8 not shown here")
    assert said == ["请站在白色背景板前，正对摄像头，按提示调整", "请靠近一些", "请睁开眼睛，看向摄像头",
                    "请确认照片，满意请点击使用此照片"]
