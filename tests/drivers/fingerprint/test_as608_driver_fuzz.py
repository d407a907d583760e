"""Property test through the real driver on a real pty: whatever a module answers, the driver
returns a result or raises one of the device layer's typed errors, and status() never raises."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drivers.base import DeviceError, DeviceStatus
from drivers.emulation.pty import serve_on_pty
from drivers.fingerprint import as608_codec as codec
from drivers.fingerprint import demo_fingers
from drivers.fingerprint.as608 import As608Reader
from drivers.fingerprint.emulator import As608Emulator

TEMPLATE = demo_fingers.press("li-na-right-index", 1)
GOOD_ANSWERS = [
    codec.build_ack(codec.OK),
    codec.build_ack(codec.OK, b"\x00\x05"),
    codec.build_ack(codec.OK) + codec.build_data(TEMPLATE, 128),
    codec.build_ack(codec.OK, codec.SysPara().encode()),
]
OPERATIONS = (
    lambda reader: reader.capture(timeout_s=0.1),
    lambda reader: reader.upload(1),
    lambda reader: reader.template_count(),
    lambda reader: reader.verify(TEMPLATE, timeout_s=0.1),
    lambda reader: reader.search(timeout_s=0.1),
)


class Hostile:
    """A real emulator while the port is opened; then the drawn answer to every command."""

    def __init__(self, answer: bytes):
        self.emulator = As608Emulator("li-na-right-index")
        self.answer = answer
        self.hostile = False

    def feed(self, data: bytes) -> bytes:
        return self.answer if self.hostile else self.emulator.feed(data)


confirmations = st.sampled_from([codec.OK, codec.NO_FINGER, codec.NO_MATCH, codec.NOT_FOUND]) | st.integers(0, 255)
well_formed = st.lists(  # valid packets saying anything at all
    st.builds(codec.build_ack, confirmations, st.binary(max_size=20))
    | st.builds(codec.build_packet, st.sampled_from(codec.PACKET_IDS), st.binary(min_size=1, max_size=130)),
    min_size=1, max_size=5).map(b"".join)


@st.composite
def mutated(draw):
    answer = bytearray(draw(st.sampled_from(GOOD_ANSWERS)))
    for _ in range(draw(st.integers(1, 4))):
        answer[draw(st.integers(0, len(answer) - 1))] ^= draw(st.integers(1, 255))
    return bytes(answer[: draw(st.integers(1, len(answer)))])


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(well_formed, mutated(), st.binary(max_size=300)))
def test_any_answer_gives_a_result_or_a_typed_error(answer):
    module = Hostile(answer)
    with serve_on_pty(module) as path:
        reader = As608Reader(path, timeout=0.1, retries=1)
        try:
            reader.open()
            module.hostile = True
            for operation in OPERATIONS:
                try:
                    operation(reader)
                except DeviceError:
                    pass  # the typed errors are the allowed outcome; anything else fails the test
            assert isinstance(reader.status(), DeviceStatus)
        finally:
            reader.close()
