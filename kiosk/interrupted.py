"""Visits a stop interrupted: recorded on restart with what had already happened.

Each side effect of a visit is journaled in the outbox as it happens (`Outbox.visit_step`), before
the visit moves on: `card_read`, `identity_checked`, `central_<operation>` (central answered: an
application issued, a photo stored, a card looked up; `accepted_offline` when it was not asked),
`paid` / `refunded`, `<receipt|document>_printing` before a print, `_printed` or `_not_printed`
after it. The card hand-out's own journal adds `card_moved`, `card_presenting`, `card_presented`,
`card_taken`, `card_retracted`. The visit's record clears its steps in the same transaction, so a
visit with steps and no record is one a kill -9 or a power cut interrupted.

On restart each such visit is recorded once as `interrupted` with its steps (`done`). A visit in
the payment ledger is recorded by the payment reconciler (kiosk/payments.py) once central has
said what became of its order, a hand-out's by the core once the dispenser has said where the
card is; both carry the same `done`. Nothing is redone: the restart never prints, charges or
moves a card for an interrupted visit. A print that began and is not known to have failed counts
as printed in the record (the job may have come out: central then refuses a reprint at a kiosk,
and a counter gives another copy); `done` tells it from a print known to have finished.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone

from offline_queue.outbox import OutboxFull

log = logging.getLogger(__name__)

# The hand-out journal's states (kiosk/card_handout.py) as steps of the visit.
HANDOUT_STEPS = {"at_read": "card_moved", "presenting": "card_presenting", "presented": "card_presented",
                 "taken": "card_taken", "retracted": "card_retracted"}


def interrupted_record(outbox, visit_id: str, service: str, kiosk_id: str, *, more_done=()) -> dict:
    """The record of an interrupted visit from its journaled steps (and `more_done`, what the
    payment ledger or the hand-out journal knows beyond them). Nothing personal."""
    steps = outbox.visit_steps(visit_id)
    done = [step for step, _reference in steps]
    done += [step for step in more_done if step not in done]
    issued = next(((step, reference) for step, reference in steps if reference), None)
    return {
        "visit_id": visit_id, "kiosk_id": kiosk_id, "service": service, "outcome": "interrupted",
        "done": done,
        # What central answered, by number: its document is marked printed when the print began.
        "result": None if issued is None else {"reference": issued[1]},
        "receipt_printed": printed(done, "receipt"),
        "document_printed": printed(done, "document"),
        "ended_at": datetime.now(timezone.utc).isoformat(),
    }


def printed(done: list[str], what: str) -> bool:
    """A print that began and is not known to have failed may have come out: it counts."""
    return f"{what}_printing" in done and f"{what}_not_printed" not in done


def handout_done(journal, visit_id: str) -> list[str]:
    """The hand-out's steps of a visit, from the hand-out journal."""
    done: list[str] = []
    for state, _reason in journal.steps(visit_id):
        step = HANDOUT_STEPS.get(state)
        if step is not None and step not in done:
            done.append(step)
    return done


def record_interrupted(outbox, kiosk_id: str, *, skip: set[str] | frozenset[str] = frozenset()) -> list[str]:
    """Record every visit a stop interrupted that neither the payment ledger nor the hand-out
    journal owns (`skip`: this run's visits and the hand-outs'). The visit ids recorded."""
    recorded = []
    for entry in outbox.unrecorded_visits():
        visit_id = entry["visit_id"]
        if visit_id in skip:
            continue
        record = interrupted_record(outbox, visit_id, entry["service"], kiosk_id)
        try:
            outbox.record_visit(visit_id, "interrupted", record)
        except OutboxFull as exc:
            log.error("interrupted visit %s not recorded yet: %s", visit_id, exc)
            continue
        log.warning("visit %s stopped after %s: recorded as interrupted", visit_id,
                    ", ".join(record["done"]) or "nothing")
        recorded.append(visit_id)
    return recorded
