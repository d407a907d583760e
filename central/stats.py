"""Headline figures from a central database, for operators and for tests."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import func, select

from central.db import applications, counters, create_engine_for, heartbeats, kiosks, ratings, records
from central.services.registry import SERVICES

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
            by_state = conn.execute(
                select(applications.c.service, applications.c.state, func.count())
                .group_by(applications.c.service, applications.c.state)
            ).all()
            printed = dict(conn.execute(
                select(applications.c.service, func.count()).where(applications.c.printed.is_(True))
                .group_by(applications.c.service)
            ).all())
            by_level = conn.execute(
                select(ratings.c.service, ratings.c.level, func.count()).group_by(ratings.c.service, ratings.c.level)
            ).all()
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
        "certificates_issued": sum(n for _service, state, n in by_state if state == "issued"),
        "certificates_refused": sum(n for _service, state, n in by_state if state == "refused"),
        "services": per_service(by_state, printed, by_level),
        "kiosks": kiosk_count,
        "kiosks_reporting": reporting,
    }


def per_service(by_state: list, printed: dict[str, int], by_level: list) -> dict[str, Any]:
    """Per service: applications by state, documents printed, and its ratings (count, mean and
    how many of each level 1-5). Every registered service appears, used or not."""
    seen = {service for service, *_ in by_state} | {service for service, *_ in by_level}
    figures: dict[str, Any] = {}
    for service in sorted(set(SERVICES) | seen):
        distribution = {str(level): 0 for level in range(1, 6)}
        for rated, level, count in by_level:
            if rated == service:
                distribution[str(level)] += count
        count = sum(distribution.values())
        states = {state: n for applied, state, n in by_state if applied == service}
        figures[service] = {
            "issued": states.get("issued", 0),
            "accepted": states.get("accepted", 0),
            "refused": states.get("refused", 0),
            "printed": printed.get(service, 0),
            "ratings": {
                "count": count,
                "mean": round(sum(int(level) * n for level, n in distribution.items()) / count, 2) if count else None,
                "distribution": distribution,
            },
        }
    return figures


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


def audit(database_url: str, *, kiosk_id: str | None = None, actor: str | None = None,
          limit: int = 200) -> list[dict[str, Any]]:
    """The technicians' audit entries the kiosks sent (outbox kind "audit"), newest first:
    who entered, did what, was refused or left, on which kiosk, when."""
    engine = create_engine_for(database_url, create=False)
    try:
        with engine.connect() as conn:
            query = select(records.c.kiosk_id, records.c.payload).where(records.c.kind == "audit")
            if kiosk_id is not None:
                query = query.where(records.c.kiosk_id == kiosk_id)
            rows = conn.execute(query.order_by(records.c.created_at.desc())).all()
    finally:
        engine.dispose()
    # The kiosk that sent an entry is the one central authenticated, whatever the entry says.
    entries = [{**payload, "kiosk_id": sender} for sender, payload in rows if isinstance(payload, dict)]
    if actor is not None:
        entries = [e for e in entries if e.get("actor") == actor]
    return entries[:limit]
