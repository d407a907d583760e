"""Support's requests to a kiosk: a screenshot of its screen, or a diagnostic bundle.

An operator with the support role asks on the fleet page; the request waits here until the kiosk's
next heartbeat, whose answer lists it (`heard`). The kiosk does it between visits only, and
uploads the PNG or tar.gz (`answer` with content) or says why it would not (`answer` with a
reason: a visit in progress, no screen …). A request the kiosk has not answered within TTL_S is
expired: a kiosk that was off for a day does not take a screenshot nobody is waiting for.
Every step is a row of `operator_audit`; the kiosk's own steps under KIOSK_ACTOR, which no
operator id can be.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from sqlalchemy import Connection, and_, insert, or_, select, update

from central.db import remote_requests
from central.operators import audit

KINDS = {"screenshot": "image/png", "bundle": "application/gzip"}
MAGIC = {"screenshot": b"\x89PNG\r\n\x1a\n", "bundle": b"\x1f\x8b"}
MAX_UPLOAD = 5 * 1024 * 1024  # a screenshot of a 1080×1920 screen, or a bundle (kiosk/bundle.py)
TTL_S = 10 * 60
MAX_OPEN = 5  # per kiosk: a held-down button does not queue a hundred screenshots
RETAIN_S = 7 * 86400  # what a kiosk uploaded is kept this long
KIOSK_ACTOR = "(kiosk)"  # operator ids cannot have parentheses (central/operators.py)
OPEN = ("pending", "sent")
_SHOWN = ("id", "kind", "state", "requested_by", "requested_at", "sent_at", "answered_at", "reason",
          "content_type", "size")


class RemoteError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def request(conn: Connection, kiosk_id: str, kind: str, operator: str, now: float | None = None) -> str:
    """A new request for `kiosk_id`; its id. Audited as the operator's."""
    now = time.time() if now is None else now
    if kind not in KINDS:
        raise RemoteError(404, f"no request of kind {kind!r}")
    conn.execute(update(remote_requests).where(remote_requests.c.requested_at < now - RETAIN_S)
                 .values(content=None))
    waiting = conn.execute(select(remote_requests.c.request_id).where(
        remote_requests.c.kiosk_id == kiosk_id, _open(now))).all()
    if len(waiting) >= MAX_OPEN:
        raise RemoteError(409, f"{kiosk_id} has {len(waiting)} requests waiting already")
    request_id = uuid.uuid4().hex
    conn.execute(insert(remote_requests).values(request_id=request_id, kiosk_id=kiosk_id, kind=kind, state="pending",
                                                requested_by=operator, requested_at=now))
    audit(conn, operator, "remote_requested", kiosk_id=kiosk_id, kind=kind, request=request_id)
    return request_id


def heard(conn: Connection, kiosk_id: str, now: float | None = None) -> list[dict[str, str]]:
    """What the kiosk is to do, for its heartbeat's answer: every open request, also one told
    before (its answer may have been lost; the kiosk knows which it has done)."""
    now = time.time() if now is None else now
    rows = conn.execute(select(remote_requests).where(remote_requests.c.kiosk_id == kiosk_id, _open(now))
                        .order_by(remote_requests.c.requested_at)).all()
    for row in rows:
        if row.sent_at is None:
            conn.execute(update(remote_requests).where(remote_requests.c.request_id == row.request_id)
                         .values(state="sent", sent_at=now))
            audit(conn, KIOSK_ACTOR, "remote_sent", kiosk_id=kiosk_id, kind=row.kind, request=row.request_id)
    return [{"id": row.request_id, "kind": row.kind, "by": row.requested_by} for row in rows]


def answer(conn: Connection, kiosk_id: str, request_id: str, *, content_type: str | None = None,
           content: bytes | None = None, refused: str | None = None, now: float | None = None) -> dict[str, Any]:
    """The kiosk's answer: the content, or the reason it refused. Only the kiosk asked may
    answer, once, before the request expires."""
    now = time.time() if now is None else now
    row = conn.execute(select(remote_requests).where(remote_requests.c.request_id == request_id,
                                                     remote_requests.c.kiosk_id == kiosk_id)).first()
    if row is None:  # another kiosk's request is as unknown as one that never was
        raise RemoteError(404, "no such request for this kiosk")
    if row.state not in OPEN:
        raise RemoteError(409, f"request answered already ({row.state})")
    if row.requested_at < now - TTL_S:
        raise RemoteError(409, "request expired")
    if refused is not None:
        values: dict[str, Any] = {"state": "refused", "reason": refused[:80]}
        audit(conn, KIOSK_ACTOR, "remote_refused", kiosk_id=kiosk_id, kind=row.kind, request=request_id,
              reason=refused[:80])
    else:
        if content_type != KINDS[row.kind]:
            raise RemoteError(415, f"a {row.kind} is {KINDS[row.kind]}")
        if not content or not content.startswith(MAGIC[row.kind]):
            raise RemoteError(422, f"not a {row.kind}: the content is not {KINDS[row.kind]}")
        if len(content) > MAX_UPLOAD:
            raise RemoteError(413, "request body too large")
        values = {"state": "done", "content_type": content_type, "size": len(content), "content": content}
        audit(conn, KIOSK_ACTOR, "remote_uploaded", kiosk_id=kiosk_id, kind=row.kind, request=request_id,
              bytes=len(content))
    conn.execute(update(remote_requests).where(remote_requests.c.request_id == request_id)
                 .values(answered_at=now, **values))
    return {"request": request_id, "state": values["state"]}


def for_kiosk(conn: Connection, kiosk_id: str, now: float | None = None, limit: int = 20) -> list[dict[str, Any]]:
    """The kiosk's latest requests, newest first, without their content; an open one past its
    time shows as expired."""
    now = time.time() if now is None else now
    columns = [remote_requests.c.request_id.label("id"), *(remote_requests.c[name] for name in _SHOWN[1:])]
    rows = conn.execute(select(*columns).where(remote_requests.c.kiosk_id == kiosk_id)
                        .order_by(remote_requests.c.requested_at.desc()).limit(limit)).mappings().all()
    shown = [dict(row) for row in rows]
    for entry in shown:
        if entry["state"] in OPEN and entry["requested_at"] < now - TTL_S:
            entry["state"] = "expired"
    return shown


def content(conn: Connection, kiosk_id: str, request_id: str) -> tuple[str, str, bytes] | None:
    """(kind, content type, bytes) of an answered request, or None."""
    row = conn.execute(select(remote_requests.c.kind, remote_requests.c.content_type, remote_requests.c.content)
                       .where(remote_requests.c.request_id == request_id, remote_requests.c.kiosk_id == kiosk_id,
                              remote_requests.c.state == "done")).first()
    if row is None or row.content is None:
        return None
    return row.kind, row.content_type, bytes(row.content)


def _open(now: float):
    return and_(or_(*(remote_requests.c.state == state for state in OPEN)),
                remote_requests.c.requested_at >= now - TTL_S)
