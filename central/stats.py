"""Headline figures from a central database, for operators and for tests."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from central.db import certificates, counters, create_engine_for, heartbeats, kiosks, records


def stats(database_url: str) -> dict[str, Any]:
    engine = create_engine_for(database_url, create=False)
    try:
        with engine.connect() as conn:
            completed = conn.execute(
                select(func.count()).select_from(records).where(
                    records.c.kind == "visit", records.c.payload["outcome"].as_string() == "completed"
                )
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
