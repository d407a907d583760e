"""The IPP codec and the queue-state table, without a server."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.base import DeviceState, ProtocolError
from drivers.docprinter import ipp_codec as ipp
from drivers.docprinter.cups_printer import CupsPrinter, status_from_attributes
from drivers.registry import parse_device_url


def attribute(tag: int, name: str, value: bytes) -> bytes:
    return struct.pack(">BH", tag, len(name)) + name.encode() + struct.pack(">H", len(value)) + value


def response(*attributes: bytes, status: int = 0) -> bytes:
    return (struct.pack(">BBHI", 2, 0, status, 7) + bytes([ipp.OPERATION_GROUP])
            + attribute(ipp.CHARSET, "attributes-charset", b"utf-8")
            + bytes([ipp.PRINTER_GROUP]) + b"".join(attributes) + bytes([ipp.END]))


def test_request_layout():
    data = ipp.encode_request(ipp.GET_PRINTER_ATTRIBUTES, 5, "ipp://127.0.0.1:631/printers/Q",
                              requested=("printer-state", "printer-state-reasons"))
    assert data[:8] == bytes([2, 0, 0, 0x0B, 0, 0, 0, 5])
    assert data[8] == ipp.OPERATION_GROUP and data[-1] == ipp.END
    assert b"printer-uri" in data and data.count(b"requested-attributes") == 1


def test_response_with_a_set_of_values():
    data = response(
        attribute(ipp.ENUM, "printer-state", struct.pack(">i", 5)),
        attribute(ipp.KEYWORD, "printer-state-reasons", b"paused"),
        attribute(ipp.KEYWORD, "", b"media-empty-error"),
        attribute(ipp.BOOLEAN, "printer-is-accepting-jobs", b"\x01"),
        attribute(ipp.TEXT_WITH_LANGUAGE, "printer-state-message",
                  struct.pack(">H", 5) + b"zh-cn" + struct.pack(">H", 6) + "缺纸".encode()),
    )
    decoded = ipp.decode_response(data)
    assert decoded.ok and decoded.request_id == 7
    printer = decoded.group(ipp.PRINTER_GROUP)
    assert printer["printer-state"] == [5]
    assert printer["printer-state-reasons"] == ["paused", "media-empty-error"]
    assert printer["printer-is-accepting-jobs"] == [True]
    assert printer["printer-state-message"] == ["缺纸"]


@pytest.mark.parametrize("cut", [0, 5, 9, 20, -1])
def test_truncated_responses_are_protocol_errors(cut):
    data = response(attribute(ipp.ENUM, "printer-state", struct.pack(">i", 3)))
    with pytest.raises(ProtocolError):
        ipp.decode_response(data[:cut])


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=200))
def test_random_bytes_raise_only_protocol_errors(data):
    try:
        ipp.decode_response(data)
    except ProtocolError:
        pass


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=8, max_value=60), st.integers(min_value=0, max_value=255))
def test_mutated_responses_raise_only_protocol_errors(position, byte):
    data = bytearray(response(attribute(ipp.ENUM, "printer-state", struct.pack(">i", 3)),
                              attribute(ipp.KEYWORD, "printer-state-reasons", b"none")))
    if position < len(data):
        data[position] = byte
    try:
        ipp.decode_response(bytes(data))
    except ProtocolError:
        pass


def printer(state=3, reasons=("none",), accepting=True, message=""):
    return {"printer-state": [state], "printer-state-reasons": list(reasons),
            "printer-is-accepting-jobs": [accepting], "printer-state-message": [message]}


@pytest.mark.parametrize("attributes, state, detail", [
    (printer(3), DeviceState.ONLINE, {"state": "idle", "paper": "ok"}),
    (printer(4), DeviceState.BUSY, {"state": "processing"}),
    (printer(5, ["paused"]), DeviceState.HARDWARE_ERROR, {"state": "stopped"}),
    (printer(3, ["media-empty-error"]), DeviceState.HARDWARE_ERROR, {"paper": "out"}),
    (printer(5, ["media-empty", "paused"]), DeviceState.HARDWARE_ERROR, {"paper": "out"}),
    (printer(3, ["media-needed"]), DeviceState.HARDWARE_ERROR, {"paper": "out"}),
    (printer(3, ["media-low-report"]), DeviceState.ONLINE, {"paper": "near_end"}),
    (printer(3, accepting=False), DeviceState.HARDWARE_ERROR, {"state": "not_accepting"}),
    (printer(3, ["door-open-error"]), DeviceState.HARDWARE_ERROR, {"reasons": ["door-open-error"]}),
    (printer(3, ["offline-report"]), DeviceState.OFFLINE, {}),
    (printer(3, ["cups-missing-filter-warning"]), DeviceState.ONLINE, {}),
])
def test_queue_state_table(attributes, state, detail):
    status = status_from_attributes(attributes, where="Q@h:631")
    assert status.state == state, status
    assert detail.items() <= status.detail.items()


@pytest.mark.parametrize("url, queue, server", [
    ("cups://KioskA4?server=127.0.0.1:631", "KioskA4", "127.0.0.1:631"),
    ("cups://KioskA4", "KioskA4", "localhost:631"),
    ("ipp://10.0.0.5:631/printers/Front_Desk", "Front_Desk", "10.0.0.5:631"),
    ("ipp://printhost/printers/A4", "A4", "printhost:631"),
])
def test_urls(url, queue, server):
    device = CupsPrinter.from_url(parse_device_url(url))
    assert (device.queue, device.server) == (queue, server)


@pytest.mark.parametrize("url", ["cups://?server=127.0.0.1:631", "ipp://127.0.0.1:631/jobs/3",
                                 "cups://Q?server=host:port"])
def test_bad_urls_are_refused(url):
    with pytest.raises(ValueError):
        CupsPrinter.from_url(parse_device_url(url))


def test_the_queues_make_and_model_is_the_printers_model_and_absent_when_not_told():
    told = status_from_attributes({**printer(3), "printer-make-and-model": ["HP LaserJet Pro M404n"]}, where="Q@h:631")
    assert told.detail["model"] == "HP LaserJet Pro M404n"
    assert "model" not in status_from_attributes(printer(3), where="Q@h:631").detail
