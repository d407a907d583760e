"""The real driver against the emulator over a real pty (and once over TCP)."""

import socketserver
import threading
import time

import pytest

from drivers.base import (
    ChecksumError,
    DeviceState,
    DeviceTimeout,
    DeviceUserError,
    HardwareFault,
    NoMedia,
    NotPresent,
    ProtocolError,
)
from drivers.fingerprint import as608_codec as codec
from drivers.fingerprint import demo_fingers
from drivers.fingerprint.as608 import As608Reader
from drivers.fingerprint.base import FingerprintReader, MatchResult, SearchResult
from drivers.fingerprint.emulator import As608Emulator
from drivers.registry import open_device, parse_device_url

FINGER = "zhang-wei-right-index"  # the finger the `emulator` fixture has placed

OTHER = "li-na-right-index"


def test_capture_returns_the_fingers_template(reader):
    template = reader.capture(timeout_s=2)
    assert isinstance(reader, FingerprintReader)
    assert len(template) == 512 and demo_fingers.identify(template) == FINGER


def test_verify_a_live_finger_against_a_template(reader, emulator):
    enrolled = demo_fingers.press(FINGER, 1000)
    result = reader.verify(enrolled, timeout_s=2)
    assert result.matched and result.score >= demo_fingers.MATCH_THRESHOLD
    emulator.place_finger(OTHER)
    assert reader.verify(enrolled, timeout_s=2) == MatchResult(False, 0)


def test_one_press_against_the_fingers_recorded_at_application(reader, emulator):
    """The pickup's check: the two templates central holds, one live press, over the pty."""
    recorded = [demo_fingers.press(name, demo_fingers.APPLICATION_PRESS)
                for name in ("zhang-wei-right-index", "zhang-wei-left-index")]
    first = reader.verify_any(recorded, timeout_s=2)
    assert first.matched and first.template == 0 and first.score >= demo_fingers.MATCH_THRESHOLD
    emulator.place_finger("zhang-wei-left-index")
    second = reader.verify_any(recorded, timeout_s=2)
    assert second.matched and second.template == 1
    emulator.place_finger("li-na-right-index")
    before = dict(emulator.counters)
    assert reader.verify_any(recorded, timeout_s=2) == MatchResult(False, 0, None)
    delta = {name: emulator.counters[name] - before.get(name, 0) for name in ("Img2Tz", "DownChar", "Match")}
    assert delta == {"Img2Tz": 1, "DownChar": 2, "Match": 2}  # one press, compared with both


def test_verify_any_refuses_an_empty_list_and_bad_templates(reader):
    with pytest.raises(ValueError, match="no template to compare"):
        reader.verify_any([], timeout_s=1)
    with pytest.raises(ValueError, match="a template is 512 bytes, got 3"):
        reader.verify_any([demo_fingers.press(FINGER, 1), b"abc"], timeout_s=1)


def test_the_common_demo_fingers_fit_the_codec():
    from common import demo_fingers as shared

    assert shared.TEMPLATE_SIZE == codec.TEMPLATE_SIZE
    assert len(shared.press("li-na-right-thumb", shared.APPLICATION_PRESS)) == codec.TEMPLATE_SIZE


def test_match_two_templates_on_the_module(reader):
    a, b = demo_fingers.press(FINGER, 1), demo_fingers.press(FINGER, 2)
    assert reader.match(a, b).matched
    assert reader.match(a, demo_fingers.press(OTHER, 1)) == MatchResult(False, 0)


def test_mismatch_fault_never_matches(reader, emulator):
    template = reader.capture(timeout_s=2)
    emulator.set_fault("mismatch")
    assert reader.verify(template, timeout_s=2).matched is False
    emulator.clear_fault()
    assert reader.verify(template, timeout_s=2).matched is True


def test_enroll_then_search(reader, emulator, repress):
    assert reader.search(timeout_s=2) == SearchResult(False, None, 0)
    reader.enroll(5, timeout_s=3, on_lift=repress)
    assert emulator.pages() == {"5": FINGER}
    found = reader.search(timeout_s=2)
    assert found.found and found.page == 5 and found.score >= demo_fingers.MATCH_THRESHOLD
    assert reader.template_count() == 1


def test_enroll_with_two_different_fingers_fails(reader, emulator, repress):
    with pytest.raises(DeviceUserError, match="press the same finger again") as info:
        reader.enroll(5, timeout_s=3, on_lift=lambda: repress(OTHER))
    assert info.value.device_code == 0x0A and emulator.pages() == {}


def test_enroll_waits_for_the_finger_to_be_lifted(reader):
    with pytest.raises(DeviceUserError, match="finger not lifted within 0.3 s"):
        reader.enroll(5, timeout_s=0.3)


def test_store_load_delete_templates(reader, emulator):
    template = demo_fingers.press(OTHER, 7)
    reader.store_template(12, template)
    assert emulator.pages() == {"12": OTHER}
    assert reader.load_template(12) == template  # download, store, load, upload: byte for byte
    reader.delete(12)
    with pytest.raises(HardwareFault, match="LoadChar: template read error"):
        reader.load_template(12)
    reader.store_template(1, template)
    reader.clear_library()
    assert reader.template_count() == 0
    with pytest.raises(ValueError, match="page 300 outside the library"):
        reader.store_template(300, template)
    with pytest.raises(ValueError, match="a template is 512 bytes, got 3"):
        reader.verify(b"abc")


def test_status_is_online_with_the_library(reader, emulator):
    emulator.enroll(OTHER, 3)
    status = reader.status()
    assert status.state is DeviceState.ONLINE and status.usable
    assert status.detail == {"port": reader.port, "address": "FFFFFFFF", "templates": 1, "capacity": 300,
                             "packet_size": 128, "security_level": 3}


def test_status_is_busy_while_waiting_for_a_finger(reader, emulator):
    emulator.lift_finger()
    waiting = threading.Thread(target=lambda: pytest.raises(NoMedia, reader.capture, 1.5))
    waiting.start()
    try:
        deadline = time.monotonic() + 5
        while emulator.counters["GenImg"] == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert reader.status().state is DeviceState.BUSY
    finally:
        waiting.join()


def test_no_finger_within_the_time_is_no_media(reader, emulator):
    emulator.lift_finger()
    with pytest.raises(NoMedia, match="no finger on the sensor within 0.3 s") as info:
        reader.capture(timeout_s=0.3)
    assert info.value.device_code == 0x02
    emulator.place_finger(FINGER)
    emulator.set_fault("no_finger")  # a finger the sensor does not see
    with pytest.raises(NoMedia):
        reader.capture(timeout_s=0.3)


@pytest.mark.parametrize(
    ("kind", "text", "code"),
    [("wet_finger", "too wet", 0x06), ("dry_finger", "too dry", 0x07)],
)
def test_poor_fingers_say_why(reader, emulator, kind, text, code):
    emulator.set_fault(kind, times=1)
    with pytest.raises(DeviceUserError, match=text) as info:
        reader.capture(timeout_s=2)
    assert info.value.device_code == code and type(info.value) is DeviceUserError
    assert len(reader.capture(timeout_s=2)) == 512  # pressed again, read again


@pytest.mark.parametrize("kind", ["bad_checksum", "corrupt_packet"])
def test_damaged_answers_are_retried(reader, emulator, kind):
    emulator.set_fault(kind, times=2)
    assert demo_fingers.identify(reader.capture(timeout_s=2)) == FINGER
    assert emulator.counters["GenImg"] == 3  # two damaged answers, then a good one


@pytest.mark.parametrize(("kind", "error"), [("bad_checksum", ChecksumError),
                                             ("corrupt_packet", codec.MalformedPacket)])
def test_persistent_damage_fails_after_the_retries(reader, emulator, kind, error):
    emulator.set_fault(kind)
    with pytest.raises(error, match="^GenImg: "):
        reader.capture(timeout_s=2)
    assert emulator.counters["GenImg"] == 3  # one try and two retries


def test_damaged_upload_is_retried(reader, emulator):
    template = reader.capture(timeout_s=2)
    emulator.set_fault("bad_checksum", times=1)
    assert reader.upload(1) == template
    assert emulator.counters["UpChar"] == 3  # the capture's, a damaged one, a good one


def test_garbage_before_answers_is_skipped(reader, emulator):
    emulator.set_fault("garbage_prefix")
    assert demo_fingers.identify(reader.capture(timeout_s=2)) == FINGER
    assert reader.status().state is DeviceState.ONLINE


def test_truncated_answer_fails_within_the_timeout(reader, emulator):
    emulator.set_fault("truncated", times=1)
    started = time.monotonic()
    with pytest.raises(ProtocolError, match="GenImg: truncated answer after 0.5 s"):
        reader.capture(timeout_s=2)
    assert time.monotonic() - started < 5
    assert len(reader.capture(timeout_s=2)) == 512  # the next command starts clean


def test_no_answer_is_a_timeout_and_no_device(reader, emulator):
    emulator.set_fault("no_answer")
    with pytest.raises(DeviceTimeout, match="GenImg: no answer within 0.5 s"):
        reader.capture(timeout_s=2)
    status = reader.status()
    assert status.state is DeviceState.NO_DEVICE and status.detail["error"] == "timeout"


def test_answers_from_another_address_are_refused(reader, emulator):
    emulator.set_fault("wrong_address")
    with pytest.raises(codec.WrongAddress, match="GenImg: packet for module address 12345678, expected FFFFFFFF"):
        reader.capture(timeout_s=2)
    assert reader.status().state is DeviceState.OFFLINE


def test_a_module_at_another_address_does_not_answer(endpoint):
    reader = As608Reader(endpoint.device, timeout=0.3, address=0x00000001)
    with pytest.raises(DeviceTimeout, match="VerifyPassword: no answer"):
        reader.open()
    assert reader.status().state is DeviceState.NO_DEVICE


def test_wrong_password_is_a_hardware_fault(tmp_path):
    from drivers.emulation.pty import serve_on_pty

    with serve_on_pty(As608Emulator(FINGER, password=0x1234)) as path:
        wrong = As608Reader(path, timeout=0.5, password=0x9999)
        with pytest.raises(HardwareFault, match="VerifyPassword: wrong module password"):
            wrong.open()
        assert wrong.status().state is DeviceState.HARDWARE_ERROR
        right = open_device(f"as608://{path}?timeout=0.5&password=0x1234")
        try:
            assert len(right.capture(timeout_s=2)) == 512
        finally:
            right.close()


def test_unplugged_mid_wait_is_not_present_and_comes_back(reader, emulator):
    emulator.lift_finger()
    errors = []

    def wait_for_finger():
        try:
            reader.capture(timeout_s=5)
        except Exception as exc:  # collected and asserted below
            errors.append(exc)

    waiting = threading.Thread(target=wait_for_finger)
    waiting.start()
    deadline = time.monotonic() + 5
    while emulator.counters["GenImg"] == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    emulator.set_fault("unplugged")  # the cable comes out while the kiosk waits for a finger
    waiting.join()
    assert len(errors) == 1 and isinstance(errors[0], NotPresent)
    assert "fingerprint module at" in errors[0].message
    assert reader.status().state is DeviceState.NO_DEVICE
    emulator.clear_fault()
    emulator.place_finger(FINGER)
    deadline = time.monotonic() + 5
    while reader.status().state is not DeviceState.ONLINE and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(reader.capture(timeout_s=2)) == 512  # the link points at the new pty


def test_threads_share_the_module(reader, emulator):
    errors = []

    def work(action):
        try:
            for _ in range(10):
                action()
        except Exception as exc:  # collected and asserted below
            errors.append(exc)

    template = demo_fingers.press(FINGER, 77)
    workers = [threading.Thread(target=work, args=(lambda: reader.verify(template, 2),)),
               threading.Thread(target=work, args=(reader.template_count,))]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    assert emulator.counters["Match"] == 10 and emulator.counters["TemplateCount"] == 10


def test_unopenable_port_is_not_present(tmp_path):
    reader = As608Reader(str(tmp_path / "ttyNONE"), timeout=0.2)
    with pytest.raises(NotPresent, match="cannot open fingerprint module"):
        reader.open()
    assert reader.status().state is DeviceState.NO_DEVICE


def test_built_from_its_url(endpoint):
    reader = open_device(f"as608://{endpoint.device}?baudrate=57600&timeout=0.7&retries=4&address=FFFFFFFF&password=0")
    try:
        assert (reader.port, reader.baudrate, reader.timeout, reader.retries, reader.address) == (
            endpoint.device, 57600, 0.7, 4, 0xFFFFFFFF)
        assert reader.sys_para.capacity == 300
    finally:
        reader.close()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("as608:///dev/ttyS1?speed=9600", "unknown option 'speed'"),
        ("as608:///dev/ttyS1?timeout=soon", "bad value for option 'timeout'"),
        ("as608:///dev/ttyS1?timeout=0", "timeout must be positive"),
        ("as608:///dev/ttyS1?retries=-1", "retries must not be negative"),
        ("as608:///dev/ttyS1?address=XYZ", "bad value for option 'address'"),
        ("as608:///dev/ttyS1?address=1FFFFFFFF", "32-bit numbers"),
        ("as608://", "needs a device path"),
        ("as608+socket://localhost", "needs host:port"),
    ],
)
def test_bad_urls_are_clear_errors(url, message):
    with pytest.raises(ValueError, match=message):
        As608Reader.from_url(parse_device_url(url))


def test_works_through_a_serial_to_tcp_bridge():
    """as608+socket://: the same driver over pyserial's socket:// transport."""
    emulator = As608Emulator(FINGER)

    class Bridge(socketserver.BaseRequestHandler):
        def handle(self):
            while data := self.request.recv(4096):
                self.request.sendall(emulator.feed(data))

    with socketserver.ThreadingTCPServer(("127.0.0.1", 0), Bridge) as server:
        server.daemon_threads = True
        serving = threading.Thread(target=server.serve_forever)
        serving.start()
        reader = open_device(f"as608+socket://127.0.0.1:{server.server_address[1]}?timeout=1")
        try:
            assert reader.verify(demo_fingers.press(FINGER, 5), timeout_s=2).matched
        finally:
            reader.close()
            server.shutdown()
            serving.join()
