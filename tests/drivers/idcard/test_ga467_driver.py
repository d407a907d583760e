"""The real driver against the emulator over a real pty (and once over TCP)."""

import socket
import threading
import time

import pytest

from drivers.base import (
    ChecksumError,
    DeviceState,
    DeviceTimeout,
    DeviceUserError,
    HardwareFault,
    NotPresent,
    ProtocolError,
)
from drivers.idcard.emulator import DEFAULT_SAM_ID, Ga467Emulator, photo_block
from drivers.idcard.ga467 import Ga467Reader
from drivers.registry import open_device, parse_device_url


def test_reads_the_card(reader, card):
    read = reader.read_card()
    assert read.to_json() == card.to_json()
    assert read.photo == photo_block(card) and read.fingerprint == b""


def test_read_card_is_not_found_again_until_presented(reader, emulator):
    reader.read_card()
    assert reader.find_card() is False
    with pytest.raises(DeviceUserError, match="请放置身份证"):
        reader.read_card()
    emulator.present_card()
    assert reader.find_card() is True


@pytest.mark.parametrize(("fingers", "size"), [(2, 1024), (1, 512), (0, 0)])
def test_reads_fingerprints(reader, emulator, card, fingers, size):
    emulator.place_card(card, fingers=fingers)
    assert len(reader.read_card(with_fingerprint=True).fingerprint) == size


def test_appended_address(reader, emulator, card):
    reader.read_card()
    assert reader.read_new_address() is None
    emulator.place_card(card, new_address="北京市西城区新街口外大街19号")
    reader.read_card()
    assert reader.read_new_address() == "北京市西城区新街口外大街19号"


def test_status_is_online_with_the_sam_id(reader):
    status = reader.status()
    assert status.state is DeviceState.ONLINE and status.usable
    assert status.detail["sam_id"] == DEFAULT_SAM_ID == reader.sam_id()
    reader.reset_sam()


def test_status_is_busy_while_another_thread_reads(reader):
    holding, release = threading.Event(), threading.Event()

    def hold():
        with reader._lock:
            holding.set()
            release.wait(2)

    worker = threading.Thread(target=hold)
    worker.start()
    try:
        holding.wait(2)
        assert reader.status().state is DeviceState.BUSY
    finally:
        release.set()
        worker.join()


def test_threads_share_the_reader(reader, emulator):
    errors = []

    def poll(action):
        try:
            for _ in range(20):
                action()
        except Exception as exc:  # collected and asserted below
            errors.append(exc)

    workers = [threading.Thread(target=poll, args=(reader.find_card,)),
               threading.Thread(target=poll, args=(reader.sam_id,))]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    assert emulator.counters["requests"] == 40


def test_no_card(reader, emulator):
    emulator.remove_card()
    assert reader.find_card() is False
    with pytest.raises(DeviceUserError) as info:
        reader.read_card()
    assert info.value.device_code == 0x80


def test_bad_checksum_is_retried(reader, emulator, card):
    emulator.set_fault("bad_checksum", times=2)
    assert reader.read_card().id_number == card.id_number
    assert emulator.counters["find card"] == 3  # two damaged answers, then a good one


def test_persistent_bad_checksum_fails_after_the_retries(reader, emulator):
    emulator.set_fault("bad_checksum")
    with pytest.raises(ChecksumError, match="find card|checksum"):
        reader.read_card()
    assert emulator.counters["find card"] == 3  # one try and two retries


def test_truncated_answer_fails_within_the_timeout(reader, emulator):
    emulator.set_fault("truncated", times=1)
    started = time.monotonic()
    with pytest.raises(ProtocolError, match="find card: truncated answer"):
        reader.read_card()
    assert time.monotonic() - started < reader.timeout + 0.3
    assert reader.read_card()  # the next command starts clean


def test_garbage_before_answers_is_skipped(reader, emulator, card):
    emulator.set_fault("garbage_prefix")
    assert reader.read_card().to_json() == card.to_json()
    assert reader.status().state is DeviceState.ONLINE


def test_no_answer_is_a_timeout(reader, emulator):
    emulator.set_fault("no_answer")
    started = time.monotonic()
    with pytest.raises(DeviceTimeout, match=r"find card: no answer within 0.5 s"):
        reader.read_card()
    assert time.monotonic() - started < reader.timeout + 0.3
    status = reader.status()
    assert status.state is DeviceState.OFFLINE and status.detail["error"] == "timeout"


def test_sam_failure(reader, emulator):
    emulator.set_fault("sam_failure")
    status = reader.status()
    assert status.state is DeviceState.HARDWARE_ERROR and "SAM self-test failed" in status.message
    with pytest.raises(HardwareFault) as info:
        reader.read_card()
    assert info.value.device_code == 0x60


def test_card_lifted_mid_read(reader, emulator, card):
    emulator.set_fault("read_failed", times=1)
    with pytest.raises(DeviceUserError, match="read failed") as info:
        reader.read_card()
    assert info.value.device_code == 0x41
    assert reader.read_card().id_number == card.id_number  # placed again, read again


def test_unplugged_reader_is_not_present_and_comes_back(reader, emulator, endpoint, card):
    emulator.set_fault("unplugged")
    time.sleep(0.2)
    with pytest.raises(NotPresent, match="ID card reader at .* (went away|cannot open)"):
        reader.read_card()
    status = reader.status()
    assert status.state is DeviceState.NO_DEVICE and not status.usable
    emulator.clear_fault()
    deadline = time.monotonic() + 2
    while reader.status().state is not DeviceState.ONLINE and time.monotonic() < deadline:
        time.sleep(0.05)
    assert reader.read_card().id_number == card.id_number  # the link points at the new pty


def test_card_with_a_bad_check_character_is_a_read_error(reader, emulator, card):
    card.id_number = card.id_number[:17] + "0"
    emulator.place_card(card)
    with pytest.raises(ProtocolError, match=r"card data invalid: ID number 1101\*+1230 has check character"):
        reader.read_card()


def test_unopenable_port_is_not_present(tmp_path):
    reader = Ga467Reader(str(tmp_path / "ttyNONE"), timeout=0.2)
    with pytest.raises(NotPresent, match="cannot open ID card reader"):
        reader.open()
    assert reader.status().state is DeviceState.NO_DEVICE


def test_built_from_its_url(endpoint):
    reader = open_device(f"ga467://{endpoint.device}?baudrate=115200&timeout=0.7&retries=4")
    try:
        assert (reader.port, reader.baudrate, reader.timeout, reader.retries) == (endpoint.device, 115200, 0.7, 4)
        assert reader.find_card()
    finally:
        reader.close()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ga467:///dev/ttyUSB0?speed=9600", "unknown option 'speed'"),
        ("ga467:///dev/ttyUSB0?timeout=soon", "bad value for option 'timeout'"),
        ("ga467:///dev/ttyUSB0?timeout=0", "timeout must be positive"),
        ("ga467:///dev/ttyUSB0?retries=-1", "retries must not be negative"),
        ("ga467://", "needs a device path"),
        ("ga467+socket://localhost", "needs host:port"),
    ],
)
def test_bad_urls_are_clear_errors(url, message):
    with pytest.raises(ValueError, match=message):
        Ga467Reader.from_url(parse_device_url(url))


def test_reads_through_a_serial_to_tcp_bridge(card):
    """ga467+socket://: the same driver over pyserial's socket:// transport."""
    emulator = Ga467Emulator(card)
    server = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def bridge():
        connection, _ = server.accept()
        with connection:
            connection.settimeout(0.05)
            while not stop.is_set():
                try:
                    data = connection.recv(4096)
                except TimeoutError:
                    continue
                if not data:
                    return
                connection.sendall(emulator.feed(data))

    worker = threading.Thread(target=bridge)
    worker.start()
    reader = Ga467Reader.from_url(parse_device_url(f"ga467+socket://127.0.0.1:{server.getsockname()[1]}?timeout=1"))
    try:
        reader.open()
        assert reader.read_card().to_json() == card.to_json()
    finally:
        reader.close()
        stop.set()
        worker.join()
        server.close()
