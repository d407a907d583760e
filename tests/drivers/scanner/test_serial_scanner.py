"""The real driver against the emulator over a real pty (and once over TCP)."""

import socketserver
import threading
import time

import pytest

from drivers.base import DeviceState, NoMedia, NotPresent, ProtocolError
from drivers.emulation.pty import PtyEndpoint, serve_on_pty
from drivers.registry import open_device, parse_device_url
from drivers.scanner.emulator import ScannerEmulator
from drivers.scanner.serial_scanner import SerialScanner

RECEIPT = "https://gaj.example.cn/q?r=RCPT-20261202-000123&v=7f3a"


def test_a_scanned_code_comes_back_whole(scanner, emulator):
    emulator.scan(RECEIPT)
    assert scanner.read_code(timeout_s=2) == RECEIPT
    emulator.scan("回执 2026-000124")
    assert scanner.read_code(timeout_s=2) == "回执 2026-000124"
    assert emulator.describe()["counters"]["frames sent"] == 2


def test_codes_come_in_the_order_scanned(scanner, emulator):
    for n in range(5):
        emulator.scan(f"CODE-{n}")
    assert [scanner.read_code(timeout_s=2) for _ in range(5)] == [f"CODE-{n}" for n in range(5)]


def test_a_long_code_at_the_bound_arrives(scanner, emulator):
    emulator.scan("Q" * 4096)
    assert scanner.read_code(timeout_s=2) == "Q" * 4096


@pytest.mark.parametrize("terminator", ["cr", "lf", "crlf"])
def test_each_terminator(terminator):
    emulator = ScannerEmulator(terminator=terminator)
    with serve_on_pty(emulator) as path:
        scanner = open_device(f"scanner://{path}?baudrate=9600&terminator={terminator}")
        try:
            emulator.scan("A-1")
            emulator.scan("B-2")
            assert [scanner.read_code(2), scanner.read_code(2)] == ["A-1", "B-2"]
            assert scanner.status().detail["terminator"] == terminator
        finally:
            scanner.close()


def test_a_scanner_sending_crlf_reads_in_cr_mode():
    emulator = ScannerEmulator(terminator="crlf")
    with serve_on_pty(emulator) as path:
        scanner = open_device(f"scanner://{path}?terminator=cr")
        try:
            for code in ("A-1", "B-2"):
                emulator.scan(code)
            assert [scanner.read_code(2), scanner.read_code(2)] == ["A-1", "B-2"]
        finally:
            scanner.close()


def test_prefix_and_suffix_are_stripped():
    emulator = ScannerEmulator(prefix="\x02", suffix="\x03")
    with serve_on_pty(emulator) as path:
        scanner = open_device(f"scanner://{path}?prefix=%02&suffix=%03")
        plain = open_device(f"scanner://{path}")  # the same port, configured without them
        try:
            emulator.scan(RECEIPT)
            assert scanner.read_code(2) == RECEIPT
            emulator.scan("NEXT")
            with pytest.raises(ProtocolError, match="unreadable scan: .* control characters"):
                plain.read_code(2)
        finally:
            scanner.close()
            plain.close()


def test_a_missing_prefix_is_an_error_not_a_code():
    emulator = ScannerEmulator()
    with serve_on_pty(emulator) as path:
        scanner = open_device(f"scanner://{path}?prefix=QR:")
        try:
            emulator.scan("RCPT-1")
            with pytest.raises(ProtocolError, match="the configured prefix is missing"):
                scanner.read_code(2)
        finally:
            scanner.close()


def test_garbage_then_a_good_code(scanner, emulator):
    emulator.set_fault("garbage", times=1)
    emulator.scan("LOST")
    emulator.scan(RECEIPT)
    with pytest.raises(ProtocolError, match=r"^unreadable scan: 7 bytes with control characters") as info:
        scanner.read_code(timeout_s=2)
    assert info.value.kind == "protocol_error" and "LOST" not in info.value.message
    assert scanner.read_code(timeout_s=2) == RECEIPT
    assert scanner.status().state is DeviceState.ONLINE


def test_no_read_is_no_media_within_the_timeout(scanner, emulator):
    emulator.set_fault("no_read", times=1)
    emulator.scan(RECEIPT)
    started = time.monotonic()
    with pytest.raises(NoMedia, match="nothing scanned within 0.4 s") as info:
        scanner.read_code(timeout_s=0.4)
    assert 0.4 <= time.monotonic() - started < 1.5  # one read slice past it, with room for a busy machine
    assert info.value.kind == "no_media"
    emulator.scan(RECEIPT)  # scanned again: read this time
    assert scanner.read_code(timeout_s=2) == RECEIPT


def test_slow_scan_arrives_after_its_delay(scanner, emulator):
    emulator.set_fault("slow", times=1, delay=0.6)
    emulator.scan(RECEIPT)
    with pytest.raises(NoMedia):
        scanner.read_code(timeout_s=0.2)
    started = time.monotonic()
    assert scanner.read_code(timeout_s=2) == RECEIPT
    assert 0.2 <= time.monotonic() - started < 1.5


def test_discard_pending_drops_codes_scanned_before(scanner, emulator):
    emulator.scan("AT-THE-HOME-SCREEN")
    emulator.scan("AND-ANOTHER")
    deadline = time.monotonic() + 2
    while emulator.describe()["queued"] and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.05)  # on the line, not yet read by anyone
    assert scanner.discard_pending() == 2
    with pytest.raises(NoMedia):
        scanner.read_code(timeout_s=0.2)
    emulator.scan(RECEIPT)
    assert scanner.read_code(timeout_s=2) == RECEIPT
    assert scanner.discard_pending() == 0


def test_discard_pending_also_drops_the_rest_of_a_code_half_sent(scanner, endpoint):
    master = endpoint._master  # the scanner's side of the pty: write half a code by hand
    import os

    os.write(master, b"HALF-OF-A-")
    time.sleep(0.05)
    assert scanner.discard_pending() == 1
    os.write(master, b"STALE-CODE\rFRESH\r")
    assert scanner.read_code(timeout_s=2) == "FRESH"


def test_status_keeps_codes_that_arrived(scanner, emulator):
    emulator.scan(RECEIPT)
    deadline = time.monotonic() + 2
    while scanner.status().detail.get("pending") != 1 and time.monotonic() < deadline:
        time.sleep(0.02)
    status = scanner.status()
    assert status.state is DeviceState.ONLINE and status.detail["pending"] == 1
    assert RECEIPT not in str(status.to_json())
    assert scanner.read_code(timeout_s=1) == RECEIPT


def test_status_is_busy_while_waiting_for_a_scan(scanner, emulator):
    waiting = threading.Thread(target=lambda: pytest.raises(NoMedia, scanner.read_code, 0.6))
    waiting.start()
    try:
        time.sleep(0.2)
        assert scanner.status().state is DeviceState.BUSY
    finally:
        waiting.join()


def test_unplugged_is_not_present_and_comes_back(scanner, emulator, endpoint):
    emulator.set_fault("unplugged")
    deadline = time.monotonic() + 2
    while endpoint.path and time.monotonic() < deadline:
        time.sleep(0.02)
    with pytest.raises(NotPresent, match="barcode scanner at .* (went away|cannot open)"):
        scanner.read_code(timeout_s=1)
    status = scanner.status()
    assert status.state is DeviceState.NO_DEVICE and not status.usable
    emulator.scan("WHILE-UNPLUGGED")  # no power: never sent
    emulator.clear_fault()
    deadline = time.monotonic() + 2
    while scanner.status().state is not DeviceState.ONLINE and time.monotonic() < deadline:
        time.sleep(0.05)
    emulator.scan(RECEIPT)
    assert scanner.read_code(timeout_s=2) == RECEIPT  # the link points at the new pty


def test_unplugged_mid_wait_is_not_present_at_once(scanner, emulator):
    errors = []

    def wait_for_a_scan():
        try:
            scanner.read_code(timeout_s=5)
        except Exception as exc:  # collected and asserted below
            errors.append(exc)

    waiting = threading.Thread(target=wait_for_a_scan)
    waiting.start()
    time.sleep(0.2)
    started = time.monotonic()
    emulator.set_fault("unplugged")  # the cable comes out while the kiosk waits
    waiting.join()
    assert time.monotonic() - started < 1
    assert len(errors) == 1 and isinstance(errors[0], NotPresent)


def test_unopenable_port_is_not_present(tmp_path):
    scanner = SerialScanner(str(tmp_path / "ttyNONE"))
    with pytest.raises(NotPresent, match="cannot open barcode scanner"):
        scanner.read_code(timeout_s=0.1)
    assert scanner.status().state is DeviceState.NO_DEVICE


def test_built_from_its_url(endpoint):
    scanner = open_device(f"scanner://{endpoint.device}?baudrate=115200&terminator=crlf&prefix=%5DQ1"
                          "&suffix=%23&encoding=utf-8&max_length=512")
    try:
        assert (scanner.port, scanner.baudrate, scanner.terminator) == (endpoint.device, 115200, "crlf")
        assert (scanner._parser.prefix, scanner._parser.suffix) == (b"]Q1", b"#")
        assert (scanner._parser.encodings, scanner._parser.max_length) == (("utf-8",), 512)
    finally:
        scanner.close()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("scanner:///dev/ttyACM0?speed=9600", "unknown option 'speed'"),
        ("scanner:///dev/ttyACM0?terminator=tab", "terminator must be one of cr, lf, crlf"),
        ("scanner:///dev/ttyACM0?baudrate=fast", "bad value for option 'baudrate'"),
        ("scanner:///dev/ttyACM0?encoding=klingon", "unknown encoding"),
        ("scanner:///dev/ttyACM0?max_length=0", "max_length must be positive"),
        ("scanner:///dev/ttyACM0?encoding=,", "at least one encoding"),
        ("scanner://", "needs a device path"),
        ("scanner+socket://localhost", "needs host:port"),
    ],
)
def test_bad_urls_are_clear_errors(url, message):
    with pytest.raises(ValueError, match=message):
        SerialScanner.from_url(parse_device_url(url))


def test_works_through_a_serial_to_tcp_bridge():
    """scanner+socket://: the same driver over pyserial's socket:// transport."""
    emulator = ScannerEmulator()

    class Bridge(socketserver.BaseRequestHandler):
        def handle(self):
            self.request.settimeout(0.05)
            while not stopping.is_set():
                if data := emulator.take_output():
                    self.request.sendall(data)
                try:
                    if self.request.recv(4096) == b"":
                        return
                except TimeoutError:
                    pass

    stopping = threading.Event()
    with socketserver.ThreadingTCPServer(("127.0.0.1", 0), Bridge) as server:
        server.daemon_threads = True
        serving = threading.Thread(target=server.serve_forever)
        serving.start()
        scanner = open_device(f"scanner+socket://127.0.0.1:{server.server_address[1]}")
        try:
            emulator.scan(RECEIPT)
            assert scanner.read_code(timeout_s=2) == RECEIPT
            assert scanner.status().state is DeviceState.ONLINE
        finally:
            scanner.close()
            stopping.set()
            server.shutdown()
            serving.join()


def test_the_pty_endpoint_sends_unasked_output_at_once(emulator):
    """The endpoint takes pushed output on wake, not only at its next poll."""
    with PtyEndpoint(emulator) as endpoint:
        scanner = SerialScanner(endpoint.device)
        try:
            scanner.open()
            took = []
            for _ in range(20):
                started = time.perf_counter()
                emulator.scan("X")
                scanner.read_code(timeout_s=1)
                took.append(time.perf_counter() - started)
            assert sorted(took)[10] < 0.02  # the poll interval is 50 ms
        finally:
            scanner.close()


def test_a_scan_between_two_polls_is_a_code_scanned_event(scanner, emulator):
    from drivers.events import status_events

    before = scanner.status()
    emulator.scan(RECEIPT)
    deadline = time.monotonic() + 2
    after = scanner.status()
    while after.detail["scans"] == before.detail["scans"] and time.monotonic() < deadline:
        time.sleep(0.02)
        after = scanner.status()
    events = status_events("scanner", before, after)
    assert [event.kind for event in events] == ["code_scanned"]
    assert RECEIPT not in repr(events)
    assert status_events("scanner", after, scanner.status()) == []


def test_a_zero_timeout_still_takes_what_has_arrived(scanner, emulator):
    with pytest.raises(NoMedia, match="nothing scanned within 0 s"):
        scanner.read_code(timeout_s=0)
    emulator.scan(RECEIPT)
    time.sleep(0.1)
    assert scanner.read_code(timeout_s=0) == RECEIPT
