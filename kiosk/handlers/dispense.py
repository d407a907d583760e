"""Hand a finished ID card out of the dispenser (id_card_pickup), each motion journaled.

The card goes from its slot to the read position, where the ID-card reader reads it (the
dispenser's own reader, `devices.dispenser_reader`, or the kiosk's `idcard` reader where the read
position lies under its antenna); only the citizen's card is presented at the mouth, anyone
else's goes to the reject bin. A card not taken in `timeouts.card_take_s` is retracted. The
hand-out runs to its end whatever happens to the visit meanwhile: a card is never left in the
channel. kiosk/card_handout.py keeps the journal a restarted kiosk settles from.
"""

from __future__ import annotations

import logging
import time

from drivers.base import DeviceError, HardwareFault, NoMedia
from kiosk.card_handout import CardHandout, HandoutRefused

log = logging.getLogger(__name__)

READ_TRIES_S = 6.0  # how long the reader may take to find the card at the read position
READ_POLL_S = 0.5


def reader_name(config) -> str:
    return "dispenser_reader" if "dispenser_reader" in config.devices else "idcard"


def run(ctx, visit, stage) -> None:
    service = ctx.services[visit.service_id]
    card = service.handout(visit)
    session = ctx.session

    def tell(state: str) -> None:
        visit.handout = state
        session.handout_update(visit.id, stage.id, state)

    try:
        with ctx.devices.in_use("dispenser") as dispenser:
            _hand_out(ctx, CardHandout(dispenser, ctx.handout_journal), visit.id, card, tell)
    except DeviceError as exc:  # the dispenser could not be opened at all: nothing moved
        log.error("dispenser unavailable for a hand-out: %s", exc.message)
    state = ctx.handout_journal.state(visit.id) or ("not_moved", "dispenser_unavailable")
    visit.handout = state[0]
    session.stage_done(visit.id, stage.id, service.handout_result(visit, *state))


def _hand_out(ctx, handout: CardHandout, visit_id: str, card, tell) -> None:
    try:
        tell("moving")
        handout.move_to_read(visit_id, card.slot)
    except (NoMedia, HandoutRefused) as exc:  # the slot was empty, or a hand-out is unsettled
        log.warning("no card moved: %s", exc)
        return
    except DeviceError as exc:  # a jam is journaled as such; a lost answer stays for recover()
        log.error("dispenser fault moving a card: %s: %s", exc.kind, exc.message)
        return
    try:
        tell("checking")
        if handout.check_card(visit_id, _read_card_number(ctx), card.card_check):
            handout.present(visit_id)
            tell("presented")
            handout.wait_taken(visit_id, ctx.config.timeouts.card_take_s)
    except HardwareFault as exc:
        log.error("dispenser fault during a hand-out: %s: %s", exc.kind, exc.message)
        if exc.kind != "jam":  # a jammed card stays where it is until a technician clears it
            _abandon(handout, visit_id)
    except (DeviceError, HandoutRefused) as exc:
        log.error("hand-out interrupted: %s", exc)
        _abandon(handout, visit_id)


def _read_card_number(ctx) -> str | None:
    """The ID number of the card at the read position, or None when it cannot be read."""
    deadline = time.monotonic() + READ_TRIES_S
    while True:
        try:
            with ctx.devices.in_use(reader_name(ctx.config)) as reader:
                card = reader.read_card()
        except DeviceError as exc:
            if time.monotonic() >= deadline:
                log.warning("the card at the read position could not be read: %s", exc.kind)
                return None
            time.sleep(READ_POLL_S)
            continue
        number = card.id_number
        card.wipe()
        return number


def _abandon(handout: CardHandout, visit_id: str) -> None:
    """The card in the channel into the reject bin; if even that fails, it stays for recover()."""
    try:
        handout.abandon(visit_id, "fault")
    except (DeviceError, HandoutRefused) as exc:
        log.error("the card could not be retracted: %s", exc)
