"""The real CRT-591 driver over a real pty against the emulator: each operation, each fault."""

import threading
import time

import pytest

from drivers.base import DeviceState, DeviceTimeout, HardwareFault, NoMedia, NotPresent, ProtocolError
from drivers.dispenser import crt591_codec as codec
from drivers.dispenser.crt591 import Crt591Dispenser
from drivers.events import status_events
from drivers.registry import open_device


def wait_until(condition, timeout=3.0):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)


def test_status_reports_card_slots_and_bin(dispenser, emulator):
    emulator.load(1, 2)
    status = dispenser.status()
    assert status.state is DeviceState.ONLINE and status.usable
    assert status.detail["card"] == "none" and status.detail["bin"] == "ok"
    assert status.detail["slots"] == ["ok", "low"] and status.detail["stacker"] == "ok"
    assert dispenser.card_position() == "none"


def test_dispense_take_walks_one_card_through(dispenser, emulator):
    first = emulator.describe()["slots"][0][0]
    dispenser.to_read_position(0)
    assert dispenser.card_position() == "read"
    assert emulator.describe()["channel"] == {"card": first, "at": "read"}
    dispenser.present()
    assert dispenser.card_position() == "mouth"
    assert dispenser.wait_taken(0.3) is False  # nobody took it yet
    taker = threading.Timer(0.3, emulator.take)
    taker.start()
    assert dispenser.wait_taken(3) is True
    taker.join()
    state = emulator.describe()
    assert state["taken"] == [first] and state["channel"] is None and first not in state["slots"][0]
    assert dispenser.card_position() == "none"


def test_from_a_second_slot(dispenser, emulator):
    (loaded,) = emulator.load(1)
    dispenser.to_read_position(1)
    assert emulator.describe()["channel"] == {"card": loaded, "at": "read"}


def test_retract_puts_the_card_in_the_bin_and_nothing_is_not_an_error(dispenser, emulator):
    dispenser.to_read_position()
    dispenser.present()
    assert dispenser.retract() is True
    assert dispenser.retract() is False  # nothing left in the channel
    state = emulator.describe()
    assert len(state["bin"]) == 1 and state["taken"] == [] and state["channel"] is None
    assert dispenser.status().detail["retracted"] == 1


def test_a_card_never_goes_out_twice(dispenser, emulator):
    for _ in range(5):
        dispenser.to_read_position()
        dispenser.present()
        emulator.take()
    with pytest.raises(codec.SlotEmpty):
        dispenser.to_read_position()
    state = emulator.describe()
    assert len(state["taken"]) == len(set(state["taken"])) == 5 and state["slots"][0] == []


def test_present_without_a_card_is_a_sequence_error(dispenser):
    with pytest.raises(codec.SequenceError, match="present: command out of sequence"):
        dispenser.present()


def test_wait_taken_without_a_presented_card(dispenser):
    assert dispenser.wait_taken(0.1) is True  # nothing at the mouth: nothing waits there
    dispenser.to_read_position()
    with pytest.raises(NoMedia, match="no card at the mouth"):
        dispenser.wait_taken(0.1)


def test_jam_is_a_hardware_fault_and_status_says_so(dispenser, emulator):
    emulator.set_fault("jam", 1)
    with pytest.raises(HardwareFault) as caught:
        dispenser.to_read_position()
    assert caught.value.kind == "jam" and caught.value.message == "to read position: card jammed in the channel (E10)"
    status = dispenser.status()
    assert status.state is DeviceState.HARDWARE_ERROR and status.detail["jam"] is True
    with pytest.raises(HardwareFault, match="jammed"):
        dispenser.present()  # nothing moves while jammed
    assert emulator.describe()["taken"] == []
    emulator.clear_fault()  # the technician clears it; the card is still in the channel
    assert dispenser.card_position() == "read"
    assert dispenser.retract() is True


def test_empty_slot_is_slot_empty(dispenser, emulator):
    emulator.set_fault("empty")
    with pytest.raises(codec.SlotEmpty, match="card slot empty") as caught:
        dispenser.to_read_position()
    assert isinstance(caught.value, NoMedia) and caught.value.kind == "slot_empty"
    assert dispenser.status().detail["slots"] == ["empty", "empty"]
    assert emulator.describe()["channel"] is None


def test_not_taken_leaves_the_card_at_the_mouth_then_retract(dispenser, emulator):
    emulator.set_fault("not_taken")
    dispenser.to_read_position()
    dispenser.present()
    assert emulator.take() is False
    started = time.monotonic()
    assert dispenser.wait_taken(0.5) is False
    assert 0.5 <= time.monotonic() - started < 1.5
    assert dispenser.retract() is True
    state = emulator.describe()
    assert state["taken"] == [] and len(state["bin"]) == 1


def test_bin_full(dispenser, emulator):
    dispenser.to_read_position()
    emulator.set_fault("bin_full")
    with pytest.raises(codec.BinFull, match="retract: reject bin full") as caught:
        dispenser.retract()
    assert isinstance(caught.value, HardwareFault) and caught.value.kind == "bin_full"
    status = dispenser.status()
    assert status.state is DeviceState.HARDWARE_ERROR and status.message == "reject bin full"
    assert emulator.describe()["channel"]["at"] == "read"  # the card stays where it was


def test_no_answer_is_a_timeout(dispenser, emulator):
    emulator.set_fault("no_answer")
    started = time.monotonic()
    with pytest.raises(DeviceTimeout, match="no answer from the card dispenser within 0.5 s"):
        dispenser.to_read_position()
    assert time.monotonic() - started < 1.5
    assert dispenser.status().state is DeviceState.NO_DEVICE
    emulator.clear_fault()
    dispenser.to_read_position()
    assert dispenser.card_position() == "read"


def test_one_garbled_answer_is_asked_again_and_the_card_moves_once(dispenser, emulator):
    emulator.set_fault("garbage", 2)
    dispenser.to_read_position()
    state = emulator.describe()
    assert state["counters"]["to read position"] == 1 and len(state["slots"][0]) == 4
    assert dispenser.card_position() == "read"


def test_lasting_garbage_is_a_protocol_error(dispenser, emulator):
    emulator.set_fault("garbage")
    with pytest.raises(ProtocolError, match="present: garbled answer 3 time"):
        dispenser.present()
    status = dispenser.status()
    assert status.state is DeviceState.OFFLINE and status.detail["error"] == "protocol_error"


def test_noise_instead_of_ack_is_a_protocol_error(endpoint, emulator):
    class Noisy:
        unplugged = False

        def feed(self, data):
            return b"\x8e\x13\xff"

    endpoint.emulator = Noisy()
    dispenser = Crt591Dispenser(endpoint.device, timeout=0.3)
    try:
        with pytest.raises(ProtocolError, match="status: garbled answer .* and no ACK within 0.3 s"):
            dispenser.read_status()
    finally:
        dispenser.close()
        endpoint.emulator = emulator


def test_unplugged_is_not_present_and_comes_back(dispenser, emulator, endpoint):
    emulator.set_fault("unplugged")
    wait_until(lambda: not endpoint.path)
    with pytest.raises(NotPresent, match="card dispenser at .* (went away|cannot open)"):
        dispenser.card_position()
    assert dispenser.status().state is DeviceState.NO_DEVICE
    emulator.clear_fault()
    wait_until(lambda: dispenser.status().state is DeviceState.ONLINE)
    dispenser.to_read_position()
    assert dispenser.card_position() == "read"


def test_another_address_on_the_bus_does_not_answer(endpoint):
    other = Crt591Dispenser(endpoint.device, address=7, timeout=0.3)
    try:
        with pytest.raises(DeviceTimeout):
            other.read_status()
    finally:
        other.close()


def test_unopenable_port_is_not_present(tmp_path):
    dispenser = Crt591Dispenser(str(tmp_path / "ttyNONE"))
    with pytest.raises(NotPresent, match="cannot open card dispenser"):
        dispenser.to_read_position()
    assert dispenser.status().state is DeviceState.NO_DEVICE


def test_built_from_its_url(endpoint):
    dispenser = open_device(f"crt591://{endpoint.device}?baudrate=19200&address=0&timeout=1.5&retries=1")
    try:
        assert (dispenser.port, dispenser.baudrate, dispenser.address) == (endpoint.device, 19200, 0)
        assert (dispenser.timeout, dispenser.retries) == (1.5, 1)
        assert dispenser.card_position() == "none"
    finally:
        dispenser.close()


@pytest.mark.parametrize(("url", "message"), [
    ("crt591:///dev/ttyUSB2?speed=9600", "unknown option 'speed'"),
    ("crt591:///dev/ttyUSB2?address=300", "address is a byte"),
    ("crt591://host:1", "needs a device path"),
    ("crt591+socket:///dev/x", "needs host:port"),
])
def test_bad_urls(url, message):
    with pytest.raises(ValueError, match=message):
        open_device(url, open_now=False)


def test_socket_url_maps_to_pyserial():
    assert open_device("crt591+socket://127.0.0.1:7001", open_now=False).port == "socket://127.0.0.1:7001"


def test_events_follow_the_card(dispenser, emulator):
    seen = []
    before = dispenser.status()

    def poll():
        nonlocal before
        after = dispenser.status()
        seen.extend(event.kind for event in status_events("dispenser", before, after))
        before = after

    dispenser.to_read_position()
    dispenser.present()
    poll()
    emulator.take()
    poll()
    dispenser.to_read_position()
    dispenser.present()
    poll()
    dispenser.retract()
    poll()
    emulator.set_fault("jam", 1)
    with pytest.raises(HardwareFault):
        dispenser.to_read_position()
    poll()
    assert seen == ["card_presented", "card_taken", "card_presented", "card_retracted", "jam"]


def test_a_nak_sends_the_command_again_and_the_card_moves_once(endpoint, emulator):
    class NakFirst:
        """The line damages the first command: the module answers NAK and does nothing."""

        unplugged = False
        naked = False

        def feed(self, data):
            if not self.naked and codec.STX in data:
                self.naked = True
                return bytes([codec.NAK])
            return emulator.feed(data)

    line = NakFirst()
    endpoint.emulator = line
    dispenser = Crt591Dispenser(endpoint.device, timeout=0.5)
    try:
        dispenser.to_read_position()
        assert line.naked and dispenser.card_position() == "read"
        assert emulator.describe()["counters"]["to read position"] == 1
    finally:
        dispenser.close()
        endpoint.emulator = emulator
