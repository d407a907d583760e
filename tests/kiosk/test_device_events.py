"""The device monitor names what happens to a real printer emulator as events."""

from __future__ import annotations

from drivers.printer.emulator import EscposEmulator
from kiosk.config import DeviceConfig
from kiosk.devices import DeviceMonitor


def test_monitor_reports_paper_cover_and_loss_of_a_printer_as_events():
    emulator = EscposEmulator("127.0.0.1", 0).start()
    host, port = emulator.address
    seen = []
    monitor = DeviceMonitor({"printer": DeviceConfig(url=f"escpos+tcp://{host}:{port}?timeout=1", poll_interval_s=0.05)},
                            on_event=seen.append)
    try:
        monitor.poll_once(force=True)
        assert seen == []
        for fault in ("paper_near_end", "paper_out", None, "cover_open", None):
            if fault:
                emulator.handle_control({"op": "fault", "kind": fault})
            else:
                emulator.handle_control({"op": "clear_fault"})
            monitor.poll_once(force=True)
        emulator.stop()
        monitor.poll_once(force=True)
    finally:
        monitor.stop()
        emulator.stop()
    kinds = [event.kind for event in seen]
    assert kinds == ["paper_low", "paper_out", "paper_ok", "cover_open", "cover_closed", "device_lost"]
    assert all(event.device == "printer" for event in seen)
    assert [event.kind for _at, event in monitor.recent_events] == kinds
