"""临时身份证明 — a temporary identity proof, while a lost or expired ID card is replaced.

POST /api/v1/services/temporary_id/apply {visit_id, id_number, name, sex, birth_date, address,
purpose} → ApplyOut. Idempotent per visit_id. The back office (TemporaryIdIssue) decides; the
demo one issues it to everyone with a valid ID number. Valid 3 calendar months (as long as a
replacement card takes, with margin); numbers start TID. Central keeps sex, birth date and
address nowhere: a reprint takes them from the card again (INFO.card_fields).
"""

from __future__ import annotations

import datetime
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import Field

from central import applications
from central.applications import ApplyOut, require_valid_id
from central.auth import SignedRequest, signed
from central.backoffice import TemporaryIdApplicant
from central.context import central_of
from central.models import Storable
from central.services.base import ServiceInfo

INFO = ServiceInfo(
    id="temporary_id",
    title_zh="临时身份证明",
    title_en="Temporary identity proof",
    prefix="TID",
    valid_months=3,
    card_fields=("name", "sex", "birth_date", "address"),
)

router = APIRouter()


class ApplyIn(Storable):
    visit_id: str = Field(min_length=1, max_length=200)
    id_number: str = Field(max_length=32, description="18-character resident ID number; never echoed back")
    name: str = Field(min_length=1, max_length=64, description="stored masked only")
    sex: str = Field(min_length=1, max_length=8, description="as on the card: 男/女 or its code; not stored")
    birth_date: datetime.date = Field(description="as on the card; must agree with the ID number; not stored")
    address: str = Field(min_length=1, max_length=200, description="as on the card; not stored")
    purpose: str = Field(min_length=1, max_length=200)


@router.post("/apply", response_model=ApplyOut)
def apply(body: ApplyIn, request: Request, signed_request: SignedRequest = Depends(signed)) -> dict[str, Any]:
    require_valid_id(body.id_number)
    if body.id_number[6:14] != body.birth_date.strftime("%Y%m%d"):
        raise HTTPException(422, "birth_date does not agree with the birth date in the ID number")
    central = central_of(request)
    applicant = TemporaryIdApplicant(body.id_number, body.name, body.sex, body.birth_date, body.address)
    with central.engine.begin() as conn:
        row = applications.apply(
            conn, service=INFO, kiosk_id=central.verifier.authenticate(conn, signed_request),
            visit_id=body.visit_id, applicant=applicant, purpose=body.purpose, hash_key=central.hash_key,
            decide=lambda: central.backoffice.issue_temporary_id(applicant, body.purpose),
        )
    return applications.answer(row, central.base_url(request))
