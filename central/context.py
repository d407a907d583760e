"""What every route needs of the running central, kept on `app.state.central`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import Request
from sqlalchemy import Engine

from central.auth import SignatureVerifier
from central.backoffice import BackOffice


@dataclass(frozen=True)
class Central:
    engine: Engine
    hash_key: str  # the key of the ID-number hash (settings table), see identity.py
    verifier: SignatureVerifier
    backoffice: BackOffice
    public_url: str | None = None  # the base of verification links; else the request's own
    payments: Any = None  # a central.payments.provider.PaymentProvider, or None: payments are off
    price_list: Any = None  # central.price_list.PriceList: operators' fees (None: the services' own)

    def fees(self, conn: Any, kiosk_id: str, service_id: str, table: dict[str, int]) -> dict[str, int]:
        """A paid service's fee table for this kiosk: `table` with its group's published fees."""
        return table if self.price_list is None else self.price_list.fees(conn, kiosk_id, service_id, table)

    def base_url(self, request: Request) -> str:
        return (self.public_url or str(request.base_url)).rstrip("/")


def central_of(request: Request) -> Central:
    return request.app.state.central
