"""The card-free way in: the citizen holds a code (the QR on a receipt) under the barcode
scanner. Codes scanned before the kiosk asked are dropped, so nothing from the last citizen
leaks into this visit."""

from __future__ import annotations

import logging

from drivers.base import DeviceError, HardwareFault, NoMedia, NotPresent

log = logging.getLogger(__name__)

SCAN_SLICE_S = 1.0  # the scanner is asked in slices, so a cancelled visit stops soon


def run(ctx, visit, stage) -> None:
    session = ctx.session
    try:
        with ctx.devices.in_use("scanner") as scanner:
            scanner.discard_pending()
    except DeviceError as exc:
        log.warning("scanner: %s", exc.message)
    while ctx.still_at(visit, stage):
        try:
            with ctx.devices.in_use("scanner") as scanner:
                code = scanner.read_code(timeout_s=SCAN_SLICE_S)
        except NoMedia:
            continue
        except (HardwareFault, NotPresent) as exc:
            log.warning("scanner: %s", exc.message)
            session.scan_problem(visit.id, "scanner_fault")
            ctx.stop.wait(2.0)
            continue
        except DeviceError as exc:  # line noise, a damaged code
            log.warning("scan not read: %s: %s", exc.kind, exc.message)
            session.scan_problem(visit.id, "scan_again")
            continue
        session.scanned(visit.id, code)
        return
