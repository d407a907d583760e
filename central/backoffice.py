"""The seam where a provincial back office plugs into central: one Protocol per operation.

Central owns the kiosk protocol, idempotency, numbering, storage and the progress queries; the
back office only decides. `create_app(..., backoffice=...)` takes any object with the methods
below (central/demo_backoffice.py is the reference data set). A method gets the applicant's
data in clear, for this one call: it must not log it, and central stores only masked forms and
a keyed hash.

A decision is "issued", "refused" (with a reason the citizen is shown) or "accepted": the back
office cannot decide at once and central keeps the application in state "accepted" until
`central.applications.settle` is called with the final decision.

Paid services (traffic fines, Hong Kong/Macao endorsements) ask the back office what is owed or
allowed before the citizen pays, and act once the payment is in: `TrafficFines.settle` and
`ExitEntry.issue_endorsement` are idempotent per order id (central's order book may call again
after a crash) and raise `Refused` with a message code when they cannot act any more.
Card pickup is not a decision: the card-production system says where a finished card is
(`CardPickup.find_card`, `cards_ready`) and is told what became of it (`card_collected`,
`card_retracted`).

`central.applications.settle` is called with the final decision. To decide later it needs the
applicant again, which central does not keep in clear: a back office with a `public_key`
attribute (raw X25519, 32 bytes) gets each offline applicant sealed to it in the stored record
(`payload.applicant.sealed`, central/sealing.py), which only its private key opens.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
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


class Refused(Exception):
    """The back office cannot act: `reason` is a message code (violation_already_paid, …)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Violation:
    """A traffic violation decision (处罚决定) as the traffic police back office holds it."""

    decision_no: str  # 决定书编号
    occurred_at: datetime.datetime  # timezone-aware
    served_on: datetime.date  # the decision was served: the 15 days and the late fee count from it
    place: str
    act: str  # what was done wrong, as the decision says it
    fine_fen: int
    points: int
    payable: bool  # may be paid at a kiosk
    reason: str | None = None  # why not payable: "needs_counter" (handled in person)
    paid: bool = False


@runtime_checkable
class TrafficFines(Protocol):
    """traffic_fines/query and the payment of fines."""

    def violations(self, id_number: str | None = None, plate: str | None = None) -> list[Violation]:
        """The violations on a driving licence (its number is the holder's ID number) or on a
        vehicle's plate; paid ones included (`paid`)."""
        ...

    def settle(self, decision_nos: Sequence[str], order_id: str) -> None:
        """Mark these decisions paid by `order_id`, all or none. Again with the same order id:
        nothing more happens. Raises Refused("violation_unknown" | "violation_already_paid" |
        "violation_not_payable") when one is unknown, paid by another order or no longer payable."""
        ...


ENDORSEMENT_KINDS = ("group", "individual", "family", "business", "other")  # 团队旅游 个人旅游 探亲 商务 其他


@dataclass(frozen=True)
class Permit:
    """A 往来港澳通行证 as the exit-entry back office holds it, looked up for one ID number."""

    permit_no: str
    holder_matches: bool  # the permit is that ID number's holder's; else nothing below is theirs
    valid_until: datetime.date
    endorsements_left: Mapping[str, int] = field(default_factory=dict)  # kind -> trips still grantable
    last_endorsed_on: datetime.date | None = None


@dataclass(frozen=True)
class Endorsement:
    """What the back office granted: written on the card now, or to be picked up."""

    outcome: Literal["instant", "pickup"]
    kind: str
    times: int
    valid_until: datetime.date | None = None  # instant
    pickup_at: datetime.date | None = None  # pickup
    pickup_place: str | None = None


def instant_issue_allowed(last_endorsed_on: datetime.date | None, today: datetime.date) -> bool:
    """A card-type permit is endorsed on the spot at most once in two calendar months: only when
    its last endorsement is more than two months old (else it is issued for pickup)."""
    from central.applications import add_months  # applications imports this module

    return last_endorsed_on is None or today > add_months(last_endorsed_on, 2)


@runtime_checkable
class ExitEntry(Protocol):
    """hkmo_endorsement/eligibility and the issue of paid endorsements."""

    def permit(self, permit_no: str, id_number: str) -> Permit | None:
        """The permit with this number, or None if there is none; `holder_matches` says
        whether it belongs to `id_number`."""
        ...

    def issue_endorsement(self, permit_no: str, kind: str, times: int, order_id: str) -> Endorsement:
        """Grant a paid endorsement; the same order id again gets the same Endorsement. Raises
        Refused("permit_unknown" | "permit_expired" | "no_endorsements_left") when it cannot."""
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
class BackOffice(NoCriminalRecordCheck, TemporaryIdIssue, TrafficFines, ExitEntry, CardPickup, Protocol):
    """Everything central's services ask; a new service adds its Protocol here."""
