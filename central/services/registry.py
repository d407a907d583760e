"""Service id → module (its INFO and router), and mounting them all on the app."""

from __future__ import annotations

from types import ModuleType

from fastapi import Depends, FastAPI, HTTPException, Request

from central.auth import SignedRequest, signed
from central.context import central_of
from central.services import (
    hkmo_endorsement,
    id_card_pickup,
    id_photo,
    no_criminal_record,
    progress_query,
    temporary_id,
    traffic_fines,
)
from central.services.base import ServiceInfo

PREFIX = "/api/v1/services"

SERVICES: dict[str, ModuleType] = {
    "no_criminal_record": no_criminal_record,
    "temporary_id": temporary_id,
    "progress_query": progress_query,
    "traffic_fines": traffic_fines,
    "hkmo_endorsement": hkmo_endorsement,
    "id_card_pickup": id_card_pickup,
    "id_photo": id_photo,
}


def info(service_id: str) -> ServiceInfo | None:
    module = SERVICES.get(service_id)
    return None if module is None else module.INFO


def mount(app: FastAPI) -> None:
    for service_id, module in SERVICES.items():
        assert module.INFO.id == service_id, f"{module.__name__} says it is {module.INFO.id}"
        app.include_router(module.router, prefix=f"{PREFIX}/{service_id}", tags=[service_id])

    @app.post(f"{PREFIX}/{{service_id}}/{{operation}}", include_in_schema=False)
    def unknown(service_id: str, operation: str, request: Request, signed_request: SignedRequest = Depends(signed)):
        # Signed like the rest, so an unsigned caller learns nothing about what exists.
        central = central_of(request)
        with central.engine.begin() as conn:
            central.verifier.authenticate(conn, signed_request)
        if service_id not in SERVICES:
            raise HTTPException(404, f"central offers no service {service_id!r}")
        raise HTTPException(404, f"service {service_id!r} has no operation {operation!r}")
