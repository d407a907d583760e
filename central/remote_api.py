"""The kiosk's answers to support's requests (central/remote.py), signed like every kiosk route.

    POST /api/v1/remote/{request_id}/result   the PNG (image/png) or bundle (application/gzip) as the body
    POST /api/v1/remote/{request_id}/refused  {"reason": "visit_in_progress" | "no_screen" | …}

The result is the raw body, not JSON: base64 would add a third to a 5 MiB upload, and the
signature covers the bytes either way. central/guard.py limits the body to remote.MAX_UPLOAD.
"""

from __future__ import annotations

import re

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import Field

from central import remote
from central.auth import SignedRequest, raw_body, signed
from central.models import Storable

PREFIX = "/api/v1/remote"
router = APIRouter(prefix=PREFIX, tags=["remote support"])
_REQUEST_ID = re.compile(r"^[0-9a-f]{32}$")


class RefusedIn(Storable):
    reason: str = Field(min_length=1, max_length=80, pattern=r"^[a-z][a-z0-9_]*$")


class AnswerOut(Storable):
    request: str
    state: str


def _answer(request: Request, signed_request: SignedRequest, request_id: str, **answer) -> dict:
    central = request.app.state.central
    with central.engine.begin() as conn:
        kiosk_id = central.verifier.authenticate(conn, signed_request)
        if not _REQUEST_ID.match(request_id):
            raise HTTPException(404, "no such request for this kiosk")
        try:
            return remote.answer(conn, kiosk_id, request_id, **answer)
        except remote.RemoteError as exc:
            raise HTTPException(exc.status, str(exc)) from None


@router.post("/{request_id}/result", response_model=AnswerOut)
def result(request_id: str, request: Request, body: bytes = Depends(raw_body),
           signed_request: SignedRequest = Depends(signed)) -> dict:
    kind = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    return _answer(request, signed_request, request_id, content_type=kind, content=body)


@router.post("/{request_id}/refused", response_model=AnswerOut)
def refused(request_id: str, body: RefusedIn, request: Request,
            signed_request: SignedRequest = Depends(signed)) -> dict:
    return _answer(request, signed_request, request_id, refused=body.reason)
