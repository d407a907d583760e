"""The emulator on its own: control interface, garbage, torn jobs."""

import os
import socket

import pytest

from drivers.emulation.control import ControlServer, dispatch, send_control
from drivers.printer.escpos_codec import STATUS_REQUESTS, PrinterCondition
from drivers.printer.receipt import Receipt
from drivers.printer.render import render_receipt


def connect(emulator) -> socket.socket:
    sock = socket.create_connection(emulator.address, timeout=2)
    return sock


def test_answers_status_requests_from_its_condition(emulator):
    with connect(emulator) as sock:
        sock.sendall(b"".join(STATUS_REQUESTS.values()))
        assert sock.recv(3) == bytes([0x12, 0x12, 0x12])
        emulator.set_fault("paper_out")
        sock.sendall(b"".join(STATUS_REQUESTS.values()))
        assert PrinterCondition.from_status(*sock.recv(3)).paper == "out"


def test_survives_garbage_then_prints_the_next_job(emulator):
    with connect(emulator) as sock:
        sock.sendall(os.urandom(4000) + b"\x1b@" * 8)
    job = render_receipt(Receipt().title("之后的回执").cut())
    with connect(emulator) as sock:
        sock.sendall(job)
    printed = [emulator.wait_for_job(timeout=2)]
    while not printed[-1].cut:
        printed.append(emulator.wait_for_job(timeout=2))
    assert printed[-1].lines[0] == "之后的回执"


def test_a_job_without_cut_ends_at_connection_close(emulator):
    with connect(emulator) as sock:
        sock.sendall(b"\x1b@half a receipt\n")
    job = emulator.wait_for_job(timeout=2)
    assert job.text == "half a receipt\n" and not job.cut and job.raw.startswith(b"\x1b@")


def test_status_only_connection_is_not_a_job(emulator):
    with connect(emulator) as sock:
        sock.sendall(STATUS_REQUESTS[1])
        sock.recv(1)
    with pytest.raises(TimeoutError):
        emulator.wait_for_job(timeout=0.3)


def test_control_operations(emulator, printer, receipt):
    printer.print_receipt(receipt)
    emulator.wait_for_job(timeout=2)
    jobs = dispatch(emulator, {"op": "jobs"})["jobs"]
    assert jobs[0]["text"].startswith("无犯罪记录证明\n") and jobs[0]["cut"] is True
    assert jobs[0]["qr_codes"] == ["https://ga.example.gov.cn/q?no=WF-2026-000123"]
    status = dispatch(emulator, {"op": "status"})
    assert status["ok"] and status["jobs"] == 1 and status["fault"] is None
    assert dispatch(emulator, {"op": "clear_jobs"})["jobs"] == [] and emulator.jobs == []
    assert dispatch(emulator, {"op": "fault", "kind": "cover_open"})["fault"] == "cover_open"
    assert dispatch(emulator, {"op": "status"})["condition"]["cover_open"] is True
    assert dispatch(emulator, {"op": "clear_fault"})["fault"] is None


@pytest.mark.parametrize(
    "command, error",
    [
        ({"op": "fault", "kind": "on_fire"}, "unknown fault"),
        ({"op": "fault", "kind": "drop_connection", "after_bytes": -1}, "after_bytes"),
        ({"op": "print"}, "unknown op"),
    ],
)
def test_bad_control_commands_get_a_clear_error(emulator, command, error):
    answer = dispatch(emulator, command)
    assert answer["ok"] is False and error in answer["error"]


def test_control_over_tcp(emulator):
    server = ControlServer(emulator).start()
    try:
        host, port = server.address
        assert send_control(host, port, {"op": "fault", "kind": "offline"}) == {"ok": True, "fault": "offline"}
        assert emulator.condition == PrinterCondition(online=False)
    finally:
        server.stop()


def test_jobs_arrive_in_order_for_wait_for_job(emulator, printer):
    for i in range(3):
        printer.print_receipt(Receipt().line(f"job {i}").cut())
    assert [emulator.wait_for_job(timeout=2).lines[0] for _ in range(3)] == ["job 0", "job 1", "job 2"]
