"""The seam where a provincial back office plugs into central: one Protocol per operation.

Central owns the kiosk protocol, idempotency, numbering, storage and the progress queries; the
back office only decides. `create_app(..., backoffice=...)` takes any object with the methods
below (central/demo_backoffice.py is the reference data set). A method gets the applicant's
data in clear, for this one call: it must not log it, and central stores only masked forms and
a keyed hash.

A decision is "issued", "refused" (with a reason the citizen is shown) or "accepted": the back
office cannot decide at once and central keeps the application in state "accepted" until
`central.applications.settle` is called with the final decision. To decide later it needs the
applicant again, which central does not keep in clear: a back office with a `public_key`
attribute (raw X25519, 32 bytes) gets each offline applicant sealed to it in the stored record
(`payload.applicant.sealed`, central/sealing.py), which only its private key opens.
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


@runtime_checkable
class BackOffice(NoCriminalRecordCheck, TemporaryIdIssue, Protocol):
    """Everything central's services ask; a new service adds its Protocol here."""
