"""What each kind of stage does, one module per kind. The Session says which stage a visit is
at; the core runs the stage's handler on its worker pool with a `StageContext`, and the handler
reports back to the Session (`stage_done`, `stage_failed`, …). Handlers hold no state of their
own between visits."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Callable

from kiosk.config import KioskConfig
from offline_queue.outbox import OutboxFull

log = logging.getLogger(__name__)


@dataclass
class StageContext:
    """What the handlers may use: the core's parts, not the core."""

    config: KioskConfig
    session: object  # kiosk.session.Session
    services: dict
    devices: object  # kiosk.devices.DeviceMonitor
    central: object  # kiosk.central_client.CentralClient
    outbox: object  # offline_queue.outbox.Outbox
    stop: threading.Event
    central_lost: Callable[[], None]  # a call found central unreachable
    visit_recorded: Callable[[str], None]  # the visit's record is in the outbox
    clock: object = None  # kiosk.site_clock.SiteClock
    identity: object = None  # kiosk.handlers.verify.IdentityParts
    handout_journal: object = None  # kiosk.card_handout.Journal, where a dispenser is configured

    def still_at(self, visit, stage) -> bool:
        """The visit is still at this stage: a worker stops as soon as this turns false."""
        session = self.session
        return (not self.stop.is_set() and session.visit is visit
                and visit.stage_id == stage.id)

    def did(self, visit, step: str, reference: str | None = None) -> None:
        """A side effect of the visit happened (a print: began), journaled before the visit
        moves on, so a restart after a kill records the visit as interrupted with it
        (kiosk/interrupted.py). A full outbox loses the step, not the visit."""
        try:
            self.outbox.visit_step(visit.id, visit.service_id, step, reference)
        except OutboxFull as exc:
            log.error("step %s of visit %s not journaled: %s", step, visit.id, exc)

    def usable(self, device: str) -> bool:
        status = self.devices.statuses().get(device)
        return device in self.config.devices and status is not None and status.usable


def handler_for(kind: str) -> Callable:
    """The function that runs a stage of `kind`: run(context, visit, stage)."""
    from kiosk.handlers import act, ask, capture_photo, dispense, identify, pay, read_document, record, scan, verify

    return {
        "identify": identify.run,
        "verify": verify.run,
        "scan": scan.run,
        "ask": ask.run,
        "pay": pay.run,
        "read_document": read_document.run,
        "act": act.run,
        "dispense": dispense.run,
        "capture_photo": capture_photo.run,
        "record": record.run,
    }[kind]
