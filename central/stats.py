"""Headline figures from a central database, for operators and for tests."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import func, select

from central.db import certificates, counters, create_engine_for, heartbeats, kiosks, records

# A stored record of a visit the citizen completed (interrupted visits are records too).
COMPLETED_VISIT = (records.c.kind == "visit", records.c.payload["outcome"].as_string() == "completed")


def stats(database_url: str) -> dict[str, Any]:
    engine = create_engine_for(database_url, create=False)
    try:
        with engine.connect() as conn:
            completed = conn.execute(
                select(func.count()).select_from(records).where(*COMPLETED_VISIT)
            ).scalar_one()
            by_kind = dict(conn.execute(select(records.c.kind, func.count()).group_by(records.c.kind)).all())
            by_outcome = dict(
                conn.execute(select(certificates.c.outcome, func.count()).group_by(certificates.c.outcome)).all()
            )
            duplicates = conn.execute(
                select(counters.c.value).where(counters.c.name == "duplicates_rejected")
            ).scalar_one()
            kiosk_count = conn.execute(select(func.count()).select_from(kiosks)).scalar_one()
            reporting = conn.execute(select(func.count()).select_from(heartbeats)).scalar_one()
    finally:
        engine.dispose()
    return {
        "completed_visits": completed,
        "records": sum(by_kind.values()),
        "records_by_kind": by_kind,
        "duplicates_rejected": duplicates,
        "certificates_issued": by_outcome.get("issued", 0),
        "certificates_refused": by_outcome.get("refused", 0),
        "kiosks": kiosk_count,
        "kiosks_reporting": reporting,
    }


def completed_visit_keys(database_url: str) -> dict[str, str]:
    """Idempotency key → kiosk id of every stored completed visit (to audit against kiosks)."""
    engine = create_engine_for(database_url, create=False)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(records.c.idempotency_key, records.c.kiosk_id).where(*COMPLETED_VISIT)
            ).all()
    finally:
        engine.dispose()
    return dict(rows)


def fleet(database_url: str, now: float | None = None) -> list[dict[str, Any]]:
    """Each enrolled kiosk with its latest heartbeat (None if it never sent one)."""
    now = time.time() if now is None else now
    engine = create_engine_for(database_url, create=False)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(kiosks.c.kiosk_id, heartbeats.c.received_at, heartbeats.c.status)
                .select_from(kiosks.outerjoin(heartbeats, kiosks.c.kiosk_id == heartbeats.c.kiosk_id))
                .order_by(kiosks.c.kiosk_id)
            ).all()
    finally:
        engine.dispose()
    return [
        {
            "kiosk_id": kiosk_id,
            "last_seen_s_ago": None if received_at is None else round(now - received_at, 1),
            "status": status,
        }
        for kiosk_id, received_at, status in rows
    ]
