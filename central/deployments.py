"""Staged rollout on central: each published version of a group's config is a deployment that
moves through the waves its signed plan names (common/rollout.py).

Central learns of a version by reading the targets metadata of the repository it serves, when a
heartbeat arrives or the fleet page is looked at. Each group version it finds, the newest and any
in the targets versions since its last read, is audited once as published in `operator_audit`, by
whom and when as signed (the target's custom.published_by and published_at). Each
heartbeat's `operator_config` tells the kiosk's state for the group's deployments: applied (it runs this version or a newer one), refused (it refused this version,
with the reason), downloaded (staged, or seen and not run), pending (nothing heard yet). After
each update the deployment moves on: a released wave with a refused share >= the plan's
`errors_percent` halts it; the current wave with an applied share >= `success_percent` releases the next wave (or waits
for an operator's approval when the plan says so); the last wave met makes it done. The heartbeat
answer carries each kiosk's release: the highest version it may apply.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, NamedTuple

from sqlalchemy import JSON, Column, Connection, Float, Integer, String, Table, Text, select, update

from central import operators
from central.db import heartbeats, insert_for, metadata
from common.rollout import describe, single_wave, wave_of

deployments = Table(
    "deployments",
    metadata,
    Column("group_name", String(64), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("plan", JSON, nullable=False),
    Column("current_wave", Integer, nullable=False),  # index into plan.waves: released up to it
    Column("state", String(20), nullable=False),  # running | waiting_approval | halted | done | superseded
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    Column("history", JSON, nullable=False),  # [{"at", "event", "wave", "by"}]
)

deployment_kiosks = Table(
    "deployment_kiosks",
    metadata,
    Column("group_name", String(64), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("kiosk_id", String(64), primary_key=True),
    Column("wave", Integer, nullable=False),
    Column("state", String(12), nullable=False),  # pending | downloaded | applied | refused
    Column("reason", Text, nullable=True),
    Column("updated_at", Float, nullable=False),
)

# Each group version central has audited as published (once, however many workers see it).
config_publications = Table(
    "config_publications",
    metadata,
    Column("group_name", String(64), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("published_by", String(64), nullable=True),
    Column("published_at", String(40), nullable=True),  # as signed, ISO 8601
    Column("seen_at", Float, nullable=False),
)

STATES = ("pending", "downloaded", "applied", "refused")
OPEN = ("running", "waiting_approval")
HISTORY = 500  # older targets versions read at most at once (a central's first read of a long history)
UNNAMED = "(not named)"  # a version signed without custom.published_by


class DeploymentError(ValueError):
    """An operator's action that does not fit the deployment's state."""


# ---- learning of published versions ----------------------------------------------------------
class RepositoryWatch:
    """Reads the served repository's targets when its timestamp file changed, and once a minute
    anyway (a heartbeat's transaction that failed after reading must not lose a version)."""

    def __init__(self, repo_dir: str | Path, every_s: float = 60.0):
        from central.tuf_repo import ConfigRepository

        self.repo = ConfigRepository(repo_dir)
        self.every_s = every_s
        self._seen: tuple[float, int] | None = None
        self._read_at = float("-inf")
        self._targets_read = 0  # the targets version read last

    def published(self) -> Reading | None:
        """What the repository publishes, if it changed since the last call (else None): each
        group's newest version, and every group version in the targets versions since the last
        read (consistent snapshots keep each one; at most HISTORY of them)."""
        try:
            stat = (self.repo.metadata_dir / "timestamp.json").stat()
        except FileNotFoundError:
            return None
        mark = (stat.st_mtime, stat.st_size)
        if mark == self._seen and time.monotonic() - self._read_at < self.every_s:
            return None
        current = self.repo.targets().signed
        publications: dict[tuple[str, int], dict[str, Any]] = {}
        for number in range(max(self._targets_read + 1, current.version - HISTORY + 1), current.version):
            try:
                older = self.repo.targets_at(number).signed
            except FileNotFoundError:
                continue
            for group, (version, _plan, publication) in _groups(older).items():
                publications.setdefault((group, version), publication)
        latest = _groups(current)
        for group, (version, _plan, publication) in latest.items():
            publications.setdefault((group, version), publication)
        self._seen, self._read_at, self._targets_read = mark, time.monotonic(), current.version
        return Reading(latest, [(group, version, by) for (group, version), by in publications.items()])


class Reading(NamedTuple):
    latest: dict[str, tuple[int, dict[str, Any], dict[str, Any]]]  # group → (version, plan, publication)
    publications: list[tuple[str, int, dict[str, Any]]]  # (group, version, publication), oldest first


def _groups(targets: Any) -> dict[str, tuple[int, dict[str, Any], dict[str, Any]]]:
    """group → (version, rollout plan, publication {"by", "at"} as signed; None each if unsigned)."""
    found = {}
    for path, target in targets.targets.items():
        if not path.startswith("groups/"):
            continue
        custom = target.unrecognized_fields.get("custom") or {}
        by, at = custom.get("published_by"), custom.get("published_at")
        found[path.split("/")[1]] = (int(custom.get("version", 0)), custom.get("rollout") or single_wave(),
                                     {"by": by[:64] if isinstance(by, str) and by else None,
                                      "at": at[:40] if isinstance(at, str) else None})
    return found


def sync(conn: Connection, watch: RepositoryWatch | None) -> None:
    reading = watch.published() if watch is not None else None
    if reading is None:
        return
    for group, version, publication in reading.publications:
        audit_publication(conn, group, version, publication)
    for group, (version, plan, publication) in reading.latest.items():
        add(conn, group, version, plan, publication=publication)


def audit_publication(conn: Connection, group: str, version: int, publication: dict[str, Any]) -> bool:
    """The `config_published` audit row of a group version, written once, by whichever
    transaction (or worker) notes the version first; True if this one did."""
    if version <= 0:
        return False
    by, at = publication.get("by"), publication.get("at")
    noted = conn.execute(insert_for(conn, config_publications).values(
        group_name=group, version=version, published_by=by, published_at=at, seen_at=time.time())
        .on_conflict_do_nothing())
    if not noted.rowcount:
        return False
    operators.audit(conn, by or UNNAMED, "config_published", group=group, version=version, published_at=at)
    return True


def add(conn: Connection, group: str, version: int, plan: dict[str, Any], now: float | None = None,
        publication: dict[str, Any] | None = None) -> bool:
    """A new deployment (False if central knows it already); older open ones are superseded. The
    kiosks central has heard in the group are its members from the start; `publication` names
    who published it in its history."""
    now = time.time() if now is None else now
    exists = conn.execute(select(deployments.c.version).where(
        deployments.c.group_name == group, deployments.c.version == version)).first()
    if exists or version <= 0:
        return False
    conn.execute(insert_for(conn, deployments).values(
        group_name=group, version=version, plan=plan, current_wave=0, state="running", created_at=now,
        updated_at=now, history=[{"at": now, "event": "published", "wave": 0,
                                  "by": (publication or {}).get("by")}]).on_conflict_do_nothing())
    conn.execute(update(deployments).where(deployments.c.group_name == group, deployments.c.version < version,
                                           deployments.c.state.in_(OPEN))
                 .values(state="superseded", updated_at=now))
    for kiosk_id, status in conn.execute(select(heartbeats.c.kiosk_id, heartbeats.c.status)).all():
        report = (status or {}).get("operator_config") or {}
        if report.get("group") == group:
            _record(conn, group, version, plan, kiosk_id, report, now)
    _advance(conn, group, version, now)
    return True


# ---- per-kiosk state -------------------------------------------------------------------------
def kiosk_state(report: dict[str, Any], version: int) -> tuple[str, str | None]:
    running = int(report.get("running") or 0)
    if running >= version:
        return "applied", None
    rejected = report.get("rejected") or {}
    if rejected.get("version") == version:
        return "refused", rejected.get("reason")
    if report.get("staged") == version or int(report.get("seen") or 0) >= version:
        return "downloaded", None
    return "pending", None


def _record(conn: Connection, group: str, version: int, plan: dict[str, Any], kiosk_id: str,
            report: dict[str, Any], now: float) -> None:
    state, reason = kiosk_state(report, version)
    old = conn.execute(select(deployment_kiosks.c.state).where(
        deployment_kiosks.c.group_name == group, deployment_kiosks.c.version == version,
        deployment_kiosks.c.kiosk_id == kiosk_id)).first()
    if old is not None and old.state == "refused" and state != "applied":
        return  # a refusal stays, even once the kiosk's report has moved on to another version
    statement = insert_for(conn, deployment_kiosks).values(
        group_name=group, version=version, kiosk_id=kiosk_id, wave=wave_of(plan, group, version, kiosk_id),
        state=state, reason=reason, updated_at=now)
    conn.execute(statement.on_conflict_do_update(
        index_elements=[deployment_kiosks.c.group_name, deployment_kiosks.c.version, deployment_kiosks.c.kiosk_id],
        set_={"state": statement.excluded.state, "reason": statement.excluded.reason,
              "updated_at": statement.excluded.updated_at}))


def heard(conn: Connection, kiosk_id: str, status: dict[str, Any], watch: RepositoryWatch | None,
          now: float | None = None) -> dict[str, Any] | None:
    """A heartbeat's part in the rollout: learn of new versions, record this kiosk's state, move
    the group's deployments on; returns the kiosk's release for the heartbeat answer (None when
    it reports no group)."""
    now = time.time() if now is None else now
    sync(conn, watch)
    report = (status or {}).get("operator_config") or {}
    group = report.get("group")
    if not isinstance(group, str):
        return None
    rows = conn.execute(select(deployments).where(deployments.c.group_name == group)
                        .order_by(deployments.c.version).with_for_update()).all()
    for row in rows:
        if row.state in OPEN or row.state == "halted" or row is rows[-1]:
            _record(conn, group, row.version, row.plan, kiosk_id, report, now)
            if row.state in OPEN:
                _advance(conn, group, row.version, now)
    return release(conn, group, kiosk_id)


def release(conn: Connection, group: str, kiosk_id: str) -> dict[str, Any]:
    """{"group", "version": the highest version this kiosk may apply, "latest": the newest
    version central knows for the group} (0: none)."""
    rows = conn.execute(select(deployments).where(deployments.c.group_name == group)).all()
    allowed = 0
    for row in rows:
        if row.state == "halted":
            continue
        reached = len(row.plan["waves"]) - 1 if row.state == "done" else row.current_wave
        if wave_of(row.plan, group, row.version, kiosk_id) <= reached:
            allowed = max(allowed, row.version)
    return {"group": group, "version": allowed, "latest": max((r.version for r in rows), default=0)}


# ---- moving on -------------------------------------------------------------------------------
def _waves(conn: Connection, group: str, version: int, plan: dict[str, Any]) -> list[dict[str, Any]]:
    """Each wave's members with their states: the kiosks heard in the group, and every kiosk a
    list wave names (pending until heard)."""
    waves = [{"wave": n + 1, "spec": describe(w), "kiosks": {}} for n, w in enumerate(plan["waves"])]
    for row in conn.execute(select(deployment_kiosks).where(deployment_kiosks.c.group_name == group,
                                                            deployment_kiosks.c.version == version)).all():
        waves[row.wave]["kiosks"][row.kiosk_id] = {"kiosk_id": row.kiosk_id, "state": row.state,
                                                   "reason": row.reason}
    for n, wave in enumerate(plan["waves"]):
        for kiosk_id in wave.get("kiosks", ()):
            if wave_of(plan, group, version, kiosk_id) == n:
                waves[n]["kiosks"].setdefault(kiosk_id, {"kiosk_id": kiosk_id, "state": "pending", "reason": None})
    for wave in waves:
        wave["kiosks"] = sorted(wave["kiosks"].values(), key=lambda k: k["kiosk_id"])
        wave["counts"] = {s: sum(k["state"] == s for k in wave["kiosks"]) for s in STATES}
    return waves


def _advance(conn: Connection, group: str, version: int, now: float) -> None:
    row = conn.execute(select(deployments).where(deployments.c.group_name == group,
                                                 deployments.c.version == version)).first()
    if row is None or row.state not in OPEN:
        return
    plan, wave, state, history = row.plan, row.current_wave, row.state, list(row.history)
    waves = _waves(conn, group, version, plan)
    for n in range(wave + 1):
        members = len(waves[n]["kiosks"])
        refused = waves[n]["counts"]["refused"]
        if refused and refused * 100 >= plan["errors_percent"] * members:
            history.append({"at": now, "event": "halted", "wave": n, "by": None,
                            "reason": f"{refused} of {members} refused in wave {n + 1}"})
            _save(conn, group, version, wave, "halted", history, now)
            return
    while state == "running":
        members = len(waves[wave]["kiosks"])
        applied = waves[wave]["counts"]["applied"]
        # An empty first wave holds (central may not have heard the group yet); later ones are met.
        met = applied * 100 >= plan["success_percent"] * members if members else wave > 0
        if not met:
            break
        if wave == len(waves) - 1:
            state = "done"
            history.append({"at": now, "event": "done", "wave": wave, "by": None})
        elif plan.get("approve"):
            state = "waiting_approval"
            history.append({"at": now, "event": "waiting_approval", "wave": wave, "by": None})
        else:
            wave += 1
            history.append({"at": now, "event": "released", "wave": wave, "by": None})
    if (wave, state) != (row.current_wave, row.state):
        _save(conn, group, version, wave, state, history, now)


def _save(conn: Connection, group: str, version: int, wave: int, state: str, history: list, now: float) -> None:
    conn.execute(update(deployments).where(deployments.c.group_name == group, deployments.c.version == version)
                 .values(current_wave=wave, state=state, history=history, updated_at=now))


# ---- operators -------------------------------------------------------------------------------
def _open_row(conn: Connection, group: str, version: int):
    row = conn.execute(select(deployments).where(deployments.c.group_name == group,
                                                 deployments.c.version == version).with_for_update()).first()
    if row is None:
        raise DeploymentError(f"no deployment of {group} version {version}")
    if row.state not in OPEN:
        raise DeploymentError(f"{group} version {version} is {row.state}")
    return row


def approve(conn: Connection, group: str, version: int, operator: str, now: float | None = None) -> dict[str, Any]:
    """Release the next wave (waiting for approval, or moved on by hand while running)."""
    now = time.time() if now is None else now
    row = _open_row(conn, group, version)
    if row.current_wave >= len(row.plan["waves"]) - 1:
        raise DeploymentError(f"{group} version {version} has released its last wave")
    history = list(row.history) + [{"at": now, "event": "approved", "wave": row.current_wave + 1, "by": operator}]
    _save(conn, group, version, row.current_wave + 1, "running", history, now)
    _advance(conn, group, version, now)
    return _overview_of(conn, group, version)


def halt(conn: Connection, group: str, version: int, operator: str, now: float | None = None) -> dict[str, Any]:
    """Stop the deployment: no further kiosk is released this version."""
    now = time.time() if now is None else now
    row = _open_row(conn, group, version)
    history = list(row.history) + [{"at": now, "event": "halted", "wave": row.current_wave, "by": operator}]
    _save(conn, group, version, row.current_wave, "halted", history, now)
    return _overview_of(conn, group, version)


def _overview_of(conn: Connection, group: str, version: int) -> dict[str, Any]:
    return next(d for d in deployments_overview(conn) if (d["group"], d["version"]) == (group, version))


def deployments_overview(conn: Connection) -> list[dict[str, Any]]:
    """Every deployment, newest first per group: its plan, state, current wave (1-based), and per
    wave its spec, whether released, counts per state and each kiosk's state."""
    out = []
    rows = conn.execute(select(deployments).order_by(deployments.c.group_name, deployments.c.version.desc())).all()
    for row in rows:
        waves = _waves(conn, row.group_name, row.version, row.plan)
        reached = len(waves) - 1 if row.state == "done" else row.current_wave
        for n, wave in enumerate(waves):
            wave["released"] = n <= reached
        out.append({
            "group": row.group_name, "version": row.version, "state": row.state, "wave": row.current_wave + 1,
            "plan": row.plan, "created_at": row.created_at, "updated_at": row.updated_at,
            "counts": {s: sum(w["counts"][s] for w in waves) for s in STATES},
            "waves": waves, "history": row.history,
        })
    return out
