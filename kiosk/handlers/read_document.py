"""The chip of a travel document on the PC/SC reader: wait for the document, open the chip with
the service's access key (BAC), let the service check what it holds. A chip that refuses the
key is another document (or not the citizen's): the citizen is told and may place the right
one; after MAX_REFUSALS the visit ends. What the chip held is wiped once checked."""

from __future__ import annotations

import logging

from drivers.base import DeviceError, DeviceUserError, HardwareFault, NoMedia, NotPresent

log = logging.getLogger(__name__)

POLL_S = 0.5
MAX_REFUSALS = 3
KEY_REFUSED = (0x6300, 0x6982)  # the chip could not verify the terminal's cryptogram


def run(ctx, visit, stage) -> None:
    session, service = ctx.session, ctx.services[visit.service_id]
    key = service.access_key(visit, stage)
    refusals = 0
    while ctx.still_at(visit, stage):
        try:
            with ctx.devices.in_use(stage.device) as reader:
                document = reader.read_document(key)
        except NoMedia:
            session.identify_problem(visit.id, "place_permit")
        except DeviceUserError as exc:
            if exc.device_code in KEY_REFUSED:
                refusals += 1
                log.warning("chip document refused the access key (%d of %d)", refusals, MAX_REFUSALS)
                if refusals >= MAX_REFUSALS:
                    session.stage_failed(visit.id, stage.id, "permit_chip_mismatch")
                    return
                session.identify_problem(visit.id, "permit_chip_mismatch")
                ctx.stop.wait(3.0)
            else:  # lifted mid-read, or not a travel document
                session.identify_problem(visit.id, "permit_read_again")
        except (HardwareFault, NotPresent) as exc:
            log.warning("chip reader: %s", exc.message)
            session.identify_problem(visit.id, "permit_reader_fault")
            ctx.stop.wait(2.0)
        except DeviceError as exc:  # a timeout, a garbled answer
            log.warning("chip document not read: %s: %s", exc.kind, exc.message)
            session.identify_problem(visit.id, "permit_read_again")
        else:
            try:
                problem = service.check_document(visit, document)
            finally:
                document.wipe()
            if problem is not None:
                session.stage_failed(visit.id, stage.id, problem)
            else:
                session.stage_done(visit.id, stage.id)
            return
        ctx.stop.wait(POLL_S)
