"""The seam where a provincial back office plugs into central: one Protocol per operation.

Central owns the kiosk protocol, idempotency, numbering, storage and the progress queries; the
back office only decides. `create_app(..., backoffice=...)` takes any object with the methods
below (central/demo_backoffice.py is the reference data set). A method gets the applicant's
data in clear, for this one call: it must not log it, and central stores only masked forms and
a keyed hash.

A decision is "issued", "refused" (with a reason the citizen is shown) or "accepted": the back
office cannot decide at once and central keeps the application in state "accepted" until
`central.applications.settle` is called with the final decision.

Card pickup is not a decision: the card-production system says where a finished card is
(`CardPickup.find_card`, `cards_ready`) and is told what became of it (`card_collected`,
`card_retracted`).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

from common.idnumber import mask_id_number


@dataclass(frozen=True, repr=False)
class Applicant:
    """Whom an application is for, as read from their ID card."""

    id_number: str
    name: str

    def __repr__(self) -> str:  # a traceback must not carry the number or the name
        return f"{type(self).__name__}({mask_id_number(self.id_number)})"


@dataclass(frozen=True, repr=False)
class TemporaryIdApplicant(Applicant):
    """A temporary identity proof also prints the card's sex, birth date and address."""

    sex: str = ""
    birth_date: datetime.date = datetime.date.min
    address: str = ""


@dataclass(frozen=True)
class Decision:
    outcome: Literal["issued", "refused", "accepted"]
    reason: str | None = None  # refused: what the citizen should do instead


@runtime_checkable
class NoCriminalRecordCheck(Protocol):
    """no_criminal_record/apply, and the offline applications kiosks sync later."""

    def check_no_criminal_record(self, applicant: Applicant, purpose: str) -> Decision: ...


@runtime_checkable
class TemporaryIdIssue(Protocol):
    """temporary_id/apply."""

    def issue_temporary_id(self, applicant: TemporaryIdApplicant, purpose: str) -> Decision: ...


@dataclass(frozen=True, repr=False)
class PickupCard:
    """A finished resident ID card as the card-production system knows it (id_card_pickup).

    `fingerprints` are the templates recorded when the citizen applied (AS608 character files,
    512 bytes each) and `photo` the application's photo (JPEG), for the face fallback. Both are
    biometric data: central passes them to the kiosk that will hand the card over and keeps
    neither."""

    card_ref: str  # the production system's id of this card, never the ID number
    id_number: str
    name: str
    state: Literal["ready", "in_production", "at_counter", "collected", "retracted"]
    kiosk_id: str | None = None  # the kiosk it is loaded in (ready); None for the demo stock (any kiosk)
    slot: int | None = None  # the dispenser slot there
    loaded_at: float = 0.0  # when it was (re)loaded: a retraction reported before this is over
    fingerprints: tuple[bytes, ...] = ()
    photo: bytes | None = None

    def __repr__(self) -> str:  # no ID number, name or biometrics in a traceback
        return f"{type(self).__name__}({self.card_ref}, {self.state}, slot={self.slot})"


@runtime_checkable
class CardPickup(Protocol):
    """id_card_pickup: where finished cards are, and what became of them. Reports may come more
    than once (a kiosk resending after a lost answer): they must be idempotent per card."""

    def find_card(self, *, id_number: str | None = None, receipt_code: str | None = None) -> PickupCard | None:
        """The card of this ID number, or of the application receipt's code; None if none."""
        ...

    def cards_ready(self, kiosk_id: str) -> list[PickupCard]:
        """The cards loaded in this kiosk and waiting for their holders, by slot."""
        ...

    def card_collected(self, card_ref: str, kiosk_id: str) -> None: ...

    def card_retracted(self, card_ref: str, kiosk_id: str, reason: str, found_id_number: str | None = None) -> None:
        """The card went into the kiosk's reject bin: `not_taken`, `fault`, `restart`, or
        `wrong_card` (the card read in its place was another person's: `found_id_number`)."""
        ...


@runtime_checkable
class BackOffice(NoCriminalRecordCheck, TemporaryIdIssue, CardPickup, Protocol):
    """Everything central's services ask; a new service adds its Protocol here."""
