"""What the printer self-tests print: a status readout of the kiosk, as a receipt and as an A4
page. Kiosk id, time, config version, each device's state, queue depth: nothing of a citizen,
so a test print left in the tray tells a passer-by nothing about anyone."""

from __future__ import annotations

from typing import Any

from drivers.printer.receipt import Receipt

TITLE = "设备自检 / self-test"
NOTE = "本页为设备自检打印，不是证明文件。 This is a device self-test print, not a certificate."


def status_readout(core) -> dict[str, Any]:
    stats = core.outbox.stats()
    return {
        "kiosk": core.config.kiosk.id,
        "time": core.site_clock.stamp(),
        "config_version": core.config_version,
        "devices": {name: status.state.value for name, status in sorted(core.devices.statuses().items())},
        "queue": {"pending": stats["pending"], "dead": stats["dead"]},
    }


def _rows(readout: dict[str, Any]) -> list[tuple[str, str]]:
    queue = readout["queue"]
    return [
        ("终端 / kiosk", readout["kiosk"]),
        ("时间 / time", readout["time"]),
        ("配置 / config", readout["config_version"]),
        *((f"设备 / {name}", state) for name, state in readout["devices"].items()),
        ("队列 / queue", f"{queue['pending']} pending, {queue['dead']} dead"),
    ]


def readout_receipt(readout: dict[str, Any]) -> Receipt:
    receipt = Receipt().title(TITLE).rule()
    for label, value in _rows(readout):
        receipt.field(label, value)
    return receipt.rule().line(NOTE).cut()


def readout_page(readout: dict[str, Any], *, issuer: str):
    """An A4 kiosk.documents.Document (imported here: fpdf loads with it, `kiosk diag` need not)."""
    from kiosk.documents import Document

    return Document(title=TITLE, number=f"SELFTEST-{readout['kiosk']}", issuer=issuer, fields=_rows(readout),
                    paragraphs=[NOTE], issued_at=readout["time"])
