"""Applications, whatever the service: decide once per visit, number, store, answer, reprint.

Times go out as ISO 8601 in UTC; dates a citizen reads (valid until, the verify page) are on
the Beijing calendar, as the printed documents are.
"""

from __future__ import annotations

import calendar
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from typing import Annotated, Any

from fastapi import HTTPException
from pydantic import AfterValidator, BaseModel, Field
from sqlalchemy import Connection, or_, select, update

from central.backoffice import Applicant, Decision
from central.db import applications, insert_for
from central.identity import id_hash, is_valid_id_number, mask_id_number, mask_name
from central.services.base import ServiceInfo
from common.certno import is_reference, new_certificate_number

CST = timezone(timedelta(hours=8))
REPRINT_DAYS = 30  # a document can be printed again for 30 days after it was issued
INVALID_ID = "id_number is not a valid 18-character resident ID number (GB 11643 check character)"


class ApplyOut(BaseModel):
    outcome: str = Field(description="issued | refused | accepted (the back office decides later)")
    reference: str = Field(description="the application's reference (the certificate number once issued)")
    certificate_no: str | None
    verify_url: str | None
    issued_at: str = Field(description="when central decided, ISO 8601 UTC")
    valid_until: str | None = Field(description="ISO date, Beijing calendar; issued only")
    reason: str | None = Field(description="refused: what the citizen should do instead")


def _reference(text: str) -> str:
    if not is_reference(text):
        raise ValueError("not an application reference (4-32 capital letters and digits)")
    return text


# A receipt's reference or certificate number, checked before any lookup.
Reference = Annotated[str, AfterValidator(_reference)]


def require_valid_id(id_number: str, field: str = "id_number") -> None:
    if not is_valid_id_number(id_number):
        raise HTTPException(422, INVALID_ID.replace("id_number", field, 1))


def iso_utc(epoch: float | None) -> str | None:
    return None if epoch is None else datetime.fromtimestamp(epoch, timezone.utc).isoformat(timespec="seconds")


def site_today(now: float | None = None) -> date:
    """Today on the Beijing calendar: the day late fees and endorsements count in."""
    return datetime.fromtimestamp(time.time() if now is None else now, CST).date()


def add_months(day: date, months: int) -> date:
    """Calendar months on, clamped to the month's end (30 Nov + 3 → 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def valid_until(service: ServiceInfo, issued_at: float) -> date:
    return add_months(datetime.fromtimestamp(issued_at, CST).date(), service.valid_months)


def new_number(prefix: str, now: float) -> str:
    return new_certificate_number(prefix, datetime.fromtimestamp(now, CST).strftime("%Y%m%d"))


def decision_columns(service: ServiceInfo, decision: Decision, now: float) -> dict[str, Any]:
    """The columns a decision sets; an issued one gets its certificate number and validity."""
    if decision.outcome not in ("issued", "refused", "accepted"):
        raise ValueError(f"back office answered {decision.outcome!r}, not issued, refused or accepted")
    issued = decision.outcome == "issued"
    return {
        "state": decision.outcome,
        "reason": decision.reason if decision.outcome == "refused" else None,
        "certificate_no": new_number(service.prefix, now) if issued else None,
        "issued_at": now if issued else None,
        "valid_until": valid_until(service, now).isoformat() if issued else None,
        "updated_at": now,
    }


def apply(conn: Connection, *, service: ServiceInfo, kiosk_id: str, visit_id: str, applicant: Applicant,
          purpose: str, hash_key: str, decide: Callable[[], Decision]) -> dict[str, Any]:
    """Decide once per visit; a repeated request gets the same answer (and number). The back
    office is asked only for a visit central has not seen."""
    person = id_hash(hash_key, applicant.id_number)
    row = _by_visit(conn, visit_id)
    if row is None:
        now = time.time()
        columns = decision_columns(service, decide(), now)
        reference = columns["certificate_no"] or new_number(service.prefix + "A", now)
        conn.execute(
            insert_for(conn, applications).values(
                visit_id=visit_id, reference=reference, service=service.id, kiosk_id=kiosk_id,
                purpose=purpose, submitted_at=now, printed=False,
                id_masked=mask_id_number(applicant.id_number.upper()), id_hash=person,
                name_masked=mask_name(applicant.name), **columns,
            ).on_conflict_do_nothing(index_elements=[applications.c.visit_id])
        )
        row = _by_visit(conn, visit_id)
    if (row["kiosk_id"], row["id_hash"], row["service"]) != (kiosk_id, person, service.id):
        raise HTTPException(409, "this visit id was already used for another request")
    return row


def accept_offline(conn: Connection, *, service: ServiceInfo, kiosk_id: str, visit_id: str, reference: str,
                   applicant: Applicant, purpose: str, hash_key: str, submitted_at: float) -> bool:
    """An application a kiosk accepted while central was away, in state "accepted"; False if
    its visit or reference is known already (a resend, or a clash with another kiosk's)."""
    now = time.time()
    inserted = conn.execute(
        insert_for(conn, applications).values(
            visit_id=visit_id, reference=reference, service=service.id, kiosk_id=kiosk_id, state="accepted",
            purpose=purpose, submitted_at=submitted_at, updated_at=now, printed=False,
            id_masked=mask_id_number(applicant.id_number.upper()), id_hash=id_hash(hash_key, applicant.id_number),
            name_masked=mask_name(applicant.name),
        ).on_conflict_do_nothing().returning(applications.c.visit_id)
    ).first()
    return inserted is not None


def settle(conn: Connection, service: ServiceInfo, reference: str, decision: Decision) -> bool:
    """Record the back office's decision on an application still "accepted"; False otherwise."""
    if decision.outcome == "accepted":
        return False
    changed = conn.execute(
        update(applications)
        .where(applications.c.reference == reference, applications.c.state == "accepted")
        .values(**decision_columns(service, decision, time.time()))
    )
    return changed.rowcount == 1


def mark_printed(conn: Connection, reference: str) -> None:
    """A kiosk printed this application's document (from a synced visit record)."""
    conn.execute(
        update(applications)
        .where(or_(applications.c.reference == reference, applications.c.certificate_no == reference))
        .values(printed=True, updated_at=time.time())
    )


def answer(row: Any, base_url: str) -> dict[str, Any]:
    issued = row["state"] == "issued"
    return {
        "outcome": row["state"],
        "reference": row["reference"],
        "certificate_no": row["certificate_no"],
        "verify_url": verify_url(row, base_url) if issued else None,
        "issued_at": iso_utc(row["issued_at"] or row["updated_at"]),
        "valid_until": row["valid_until"],
        "reason": row["reason"],
    }


def verify_url(row: Any, base_url: str) -> str:
    return f"{base_url}/verify/{row['certificate_no']}"


def by_reference(conn: Connection, reference: str) -> Any:
    """The application whose reference or certificate number this is (a receipt shows either)."""
    return conn.execute(
        select(applications).where(
            or_(applications.c.reference == reference, applications.c.certificate_no == reference))
    ).mappings().first()


def of_person(conn: Connection, person: str) -> list[Any]:
    return list(conn.execute(
        select(applications).where(applications.c.id_hash == person).order_by(applications.c.submitted_at)
    ).mappings())


def reprint_refusal(row: Any, now: float) -> str | None:
    """Why this application's document cannot be printed again, or None if it can."""
    if row["state"] != "issued":
        return f"the application is {row['state']}, nothing was issued to print"
    if row["printed"]:
        return "the document was printed already; ask at a counter for another copy"
    if now - row["issued_at"] > REPRINT_DAYS * 86400:
        return f"issued more than {REPRINT_DAYS} days ago; ask at a counter"
    return None


def summary(row: Any, now: float) -> dict[str, Any]:
    """An application as a progress query shows it: nothing personal."""
    return {
        "reference": row["reference"],
        "service": row["service"],
        "state": row["state"],
        "submitted_at": iso_utc(row["submitted_at"]),
        "updated_at": iso_utc(row["updated_at"]),
        "printed": bool(row["printed"]),
        "reprintable": reprint_refusal(row, now) is None,
    }


def _by_visit(conn: Connection, visit_id: str) -> Any:
    return conn.execute(select(applications).where(applications.c.visit_id == visit_id)).mappings().first()
