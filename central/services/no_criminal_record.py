"""无犯罪记录证明 — the no-criminal-record certificate: apply online, or sync an offline one.

POST /api/v1/services/no_criminal_record/apply {visit_id, id_number, name, purpose}
  → ApplyOut. Idempotent per visit_id. The back office (NoCriminalRecordCheck) decides.
Offline: a synced visit record of this service whose result is "accepted_offline" and which
carries `applicant` becomes an application in state "accepted", decided by the same check
right away (the demo back office always decides; a real one may leave it accepted).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import Field
from sqlalchemy import Connection

from central import applications
from central.applications import ApplyOut, require_valid_id
from central.auth import SignedRequest, signed
from central.backoffice import Applicant
from central.context import Central, central_of
from central.models import Storable
from central.services.base import ServiceInfo

log = logging.getLogger(__name__)

INFO = ServiceInfo(
    id="no_criminal_record",
    title_zh="无犯罪记录证明",
    title_en="No-criminal-record certificate",
    prefix="NCR",
    valid_months=3,
)

router = APIRouter()


class ApplyIn(Storable):
    visit_id: str = Field(min_length=1, max_length=200)
    id_number: str = Field(max_length=32, description="18-character resident ID number; never echoed back")
    name: str = Field(min_length=1, max_length=64, description="stored masked only")
    purpose: str = Field(min_length=1, max_length=200)


@router.post("/apply", response_model=ApplyOut)
def apply(body: ApplyIn, request: Request, signed_request: SignedRequest = Depends(signed)) -> dict[str, Any]:
    require_valid_id(body.id_number)
    central = central_of(request)
    applicant = Applicant(body.id_number, body.name)
    with central.engine.begin() as conn:
        row = applications.apply(
            conn, service=INFO, kiosk_id=central.verifier.authenticate(conn, signed_request),
            visit_id=body.visit_id, applicant=applicant, purpose=body.purpose, hash_key=central.hash_key,
            decide=lambda: central.backoffice.check_no_criminal_record(applicant, body.purpose),
        )
    return applications.answer(row, central.base_url(request))


def accept_offline(conn: Connection, central: Central, kiosk_id: str, visit_id: str, record: dict[str, Any],
                   created_at: float) -> None:
    """A visit record carrying `applicant` (checked by the intake) and the kiosk's reference."""
    result = record.get("result") or {}
    reference = result.get("reference")
    if result.get("outcome") != "accepted_offline" or not isinstance(reference, str) or not reference:
        return
    person = record["applicant"]
    applicant = Applicant(person["id_number"], person["name"])
    purpose = str((record.get("choices") or {}).get("purpose") or "")[:200]
    if not applications.accept_offline(conn, service=INFO, kiosk_id=kiosk_id, visit_id=visit_id,
                                       reference=reference[:40], applicant=applicant, purpose=purpose,
                                       hash_key=central.hash_key, submitted_at=created_at):
        log.warning("offline application from kiosk %s: visit or reference known already, left as it is", kiosk_id)
        return
    applications.settle(conn, INFO, reference[:40], central.backoffice.check_no_criminal_record(applicant, purpose))
