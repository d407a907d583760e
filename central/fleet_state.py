"""What the fleet page and /metrics show of each kiosk, from its latest heartbeat and records.

The heartbeat's `status` is what kiosk/core.py heartbeat_status() sends: devices, queue,
services (id → None when offered, else why not), operator_config {group, running, staged …}
and gui {last_tick_age_s, stalled}.
The config version wanted is the one central's operator-config repository publishes for the
kiosk's group (central/tuf_repo.py), when central serves one.
"""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, func, select

from central.applications import CST
from central.db import alarm_acks, heartbeats, kiosks, records
from central.presence import Flaps, PresenceRules, current, flaps


def wanted_versions(tuf_repo: str | Path | None) -> dict[str, int] | None:
    """Group → version published; None when central serves no repository."""
    if not tuf_repo:
        return None
    from central.tuf_repo import ConfigRepository

    try:
        return ConfigRepository(tuf_repo).groups()
    except (OSError, ValueError, KeyError):  # no repository made yet, or being made
        return {}


def start_of_today(now: float) -> float:
    day = datetime.fromtimestamp(now, CST).replace(hour=0, minute=0, second=0, microsecond=0)
    return day.timestamp()


def deployments_overview(conn: Connection) -> list[dict[str, Any]] | None:
    """The staged rollouts, from central.deployments when that module is present (else None)."""
    try:
        from central.deployments import deployments_overview as overview  # type: ignore[import-not-found]
    except ImportError:
        return None
    return list(overview(conn))


def kiosk_rows(conn: Connection, rules: PresenceRules, *, now: float | None = None,
               wanted: dict[str, int] | None = None) -> list[dict[str, Any]]:
    """Every enrolled kiosk, with its state now (recording changes of online state)."""
    now = time.time() if now is None else now
    rows = conn.execute(
        select(kiosks.c.kiosk_id, heartbeats.c.received_at, heartbeats.c.status)
        .select_from(kiosks.outerjoin(heartbeats, kiosks.c.kiosk_id == heartbeats.c.kiosk_id))
        .order_by(kiosks.c.kiosk_id)
    ).all()
    visits = dict(conn.execute(
        select(records.c.kiosk_id, func.count()).where(records.c.kind == "visit",
                                                       records.c.created_at >= start_of_today(now))
        .group_by(records.c.kiosk_id)).all())
    acks = {r.kiosk_id: r for r in conn.execute(select(alarm_acks)).all()}
    looks = [(kiosk_id, received_at, status, current(conn, kiosk_id, received_at, now, rules))
             for kiosk_id, received_at, status in rows]
    lately = flaps(conn, now, rules)  # after current(): it records the changes noticed now
    return [_row(kiosk_id, received_at, status if isinstance(status, dict) else {}, online, since,
                 visits.get(kiosk_id, 0), wanted, acks.get(kiosk_id), now, lately.get(kiosk_id, Flaps(0, None)))
            for kiosk_id, received_at, status, (online, since) in looks]


def _row(kiosk_id: str, received_at: float | None, status: dict[str, Any], online: bool, since: float | None,
         visits_today: int, wanted: dict[str, int] | None, ack: Any, now: float, flap: Flaps) -> dict[str, Any]:
    config = status.get("operator_config") if isinstance(status.get("operator_config"), dict) else {}
    group = config.get("group") or "none"
    queue = status.get("queue") if isinstance(status.get("queue"), dict) else {}
    devices = status.get("devices") if isinstance(status.get("devices"), dict) else {}
    services = status.get("services") if isinstance(status.get("services"), dict) else {}
    faults = sorted(name for name, device in devices.items()
                    if isinstance(device, dict) and device.get("state") not in ("online", "busy", "user_error", None))
    state = "never" if received_at is None else ("online" if online else "offline")
    problems = ([] if online or received_at is None else ["offline"]) + [f"device {name}" for name in faults]
    if status.get("out_of_service"):
        problems.append(f"out of service: {status['out_of_service']}")
    gui = status.get("gui") if isinstance(status.get("gui"), dict) else {}
    if online and gui.get("stalled"):  # the GUI thread stopped: systemd's watchdog restarts it
        problems.append(f"screen not answering for {gui.get('last_tick_age_s')} s")
    # A flapping kiosk is marked, not alarmed at every change: being offline does not alarm while
    # it flaps, and an acknowledgement holds from the burst's start, not just until the next change.
    flapping = flap.since is not None
    alarming = [p for p in problems if not (flapping and p == "offline")]
    anchor = flap.since if flapping else since
    acknowledged = ack is not None and anchor is not None and ack.at >= anchor and problems
    return {
        "kiosk_id": kiosk_id,
        "group": group,
        "state": state,
        "since": since,
        "last_heartbeat": received_at,
        "last_heartbeat_s_ago": None if received_at is None else round(now - received_at),
        "config_applied": config.get("running"),
        "config_staged": config.get("staged"),
        "config_wanted": None if wanted is None else wanted.get(group),
        "config_error": config.get("last_error"),
        "config_refused": _refusal(config),
        "queue_depth": queue.get("pending"),
        "queue_dead": queue.get("dead"),
        "queue_oldest_s": queue.get("oldest_pending_age_s"),
        "queue_full": queue.get("full"),
        "devices": devices,
        "services": services,
        "out_of_service": status.get("out_of_service"),
        "visits_today": visits_today,
        "problems": problems,
        "alarm": bool(alarming) and not acknowledged,
        "flapping": flapping,
        "changes_in_window": flap.changes,
        "acknowledged_by": ack.operator_id if acknowledged else None,
    }


def _refusal(config: dict[str, Any]) -> dict[str, Any] | None:
    """The kiosk's latest refusal {version, reason, fallback}, while it still matters: the kiosk
    keeps reporting it after it has moved on to that version or a newer one, which ends it."""
    rejected = config.get("rejected")
    if not isinstance(rejected, dict):
        return None
    version = rejected.get("version")
    running = config.get("running")
    if isinstance(version, int) and isinstance(running, int) and running >= version:
        return None
    return {"version": version, "reason": str(rejected.get("reason") or "no reason given"),
            "fallback": bool(rejected.get("fallback"))}


def kiosk_audit(conn: Connection, kiosk_id: str, limit: int = 20) -> list[dict[str, Any]]:
    """The kiosk's latest technicians' audit entries (outbox kind "audit")."""
    rows = conn.execute(select(records.c.payload).where(records.c.kind == "audit", records.c.kiosk_id == kiosk_id)
                        .order_by(records.c.created_at.desc()).limit(limit)).scalars()
    return [payload for payload in rows if isinstance(payload, dict)]


def technician_audit(conn: Connection, actor: str, limit: int = 100, scan: int = 5000) -> list[dict[str, Any]]:
    """One technician's latest audit entries at every kiosk (`technician:<id>`, `console:<user>`),
    among the fleet's latest `scan` entries (the actor is inside the JSON payload); their
    refused entries too, wrong PINs and lockouts included."""
    rows = conn.execute(select(records.c.payload).where(records.c.kind == "audit")
                        .order_by(records.c.created_at.desc()).limit(scan)).scalars()
    return [p for p in rows if isinstance(p, dict) and (p.get("actor") == actor or _refused_for(p, actor))][:limit]


def _refused_for(entry: dict[str, Any], actor: str) -> bool:
    """A refusal of `actor`'s account as kiosks recorded it before refusals were the account's
    own: under the generic actor, the account in the detail (a name that was no account stays out)."""
    detail = entry.get("detail") if isinstance(entry.get("detail"), dict) else {}
    return (entry.get("actor") == "technician" and entry.get("outcome") == "refused"
            and detail.get("account") == actor and detail.get("reason") != "unknown_account")
