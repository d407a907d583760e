"""The card read: poll the ID-card reader until a usable card is on it, guiding the citizen on
the way; then start encoding the card's photo for the identity check in the background."""

from __future__ import annotations

import logging

from drivers.base import DeviceError, DeviceUserError, HardwareFault, NoMedia, NotPresent

log = logging.getLogger(__name__)

CARD_POLL_S = 0.4


def run(ctx, visit, stage) -> None:
    session = ctx.session
    while ctx.still_at(visit, stage):
        try:
            with ctx.devices.in_use("idcard") as reader:
                card = reader.read_card()
        except NoMedia:
            session.identify_problem(visit.id, "place_card")
        except DeviceUserError:  # lifted mid-read, or the card did not authenticate
            session.identify_problem(visit.id, "card_read_again")
        except (HardwareFault, NotPresent) as exc:
            log.warning("card reader: %s", exc.message)
            session.identify_problem(visit.id, "reader_fault")
            ctx.stop.wait(2.0)
        except DeviceError as exc:  # timeout, garbled or bad-checksum frame
            log.warning("card read failed: %s: %s", exc.kind, exc.message)
            session.identify_problem(visit.id, "card_read_failed")
        else:
            if card.valid_to is not None and card.valid_to < ctx.clock.now().date():
                card.wipe()
                session.identify_problem(visit.id, "card_expired")
                ctx.stop.wait(3.0)
                continue
            if stage.identity == "policy":
                visit.verification = ctx.identity.prepare(card)
            ctx.did(visit, "card_read")
            session.card_read(visit.id, card)
            if session.visit is not visit and visit.verification is not None:  # ended meanwhile
                visit.verification.wipe()
            return
        ctx.stop.wait(CARD_POLL_S)
