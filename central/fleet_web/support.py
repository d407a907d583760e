"""The fleet page's remote support: ask a kiosk for a screenshot or a diagnostic bundle, follow
the request, look at the screenshot, download the bundle (central/remote.py keeps them).

All of it needs the support role (publishers and admins have it too): looking is as audited as
asking, since a screenshot is of a public place and a bundle of a kiosk's inner workings.
"""

from __future__ import annotations

from typing import Any, Callable

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import Engine, select

from central import operators, remote
from central.db import kiosks

ROLE = "support"
SUFFIX = {"screenshot": "png", "bundle": "tar.gz"}


def add_routes(router: APIRouter, engine: Engine, render: Callable[..., Any], supporter: Callable[[Request], Any],
               acting: Callable[[Request, str, str], Any]) -> None:
    """`supporter(request)`: the session of a GET that needs ROLE (refused and audited without
    it); `acting(request, csrf, role)`: the same for a form post, its CSRF token checked first."""

    @router.post("/kiosks/{kiosk_id}/remote/{kind}")
    def ask(request: Request, kiosk_id: str, kind: str, csrf: str = Form(max_length=64)) -> Response:
        session = acting(request, csrf, ROLE)
        with engine.begin() as conn:
            if conn.execute(select(kiosks.c.kiosk_id).where(kiosks.c.kiosk_id == kiosk_id)).first() is None:
                raise HTTPException(404, "no such kiosk")
            try:
                request_id = remote.request(conn, kiosk_id, kind, session.operator.operator_id)
            except remote.RemoteError as exc:
                raise HTTPException(exc.status, str(exc)) from None
        return RedirectResponse(f"/fleet/kiosks/{kiosk_id}/remote/{request_id}", status_code=303)

    @router.get("/kiosks/{kiosk_id}/remote/{request_id}")
    def follow(request: Request, kiosk_id: str, request_id: str) -> Response:
        session = supporter(request)
        with engine.begin() as conn:
            entry = next((r for r in remote.for_kiosk(conn, kiosk_id, limit=1000) if r["id"] == request_id), None)
        if entry is None:
            raise HTTPException(404, "no such request")
        return render("remote.html", session=session, kiosk_id=kiosk_id, entry=entry,
                      waiting=entry["state"] in remote.OPEN)

    @router.get("/kiosks/{kiosk_id}/remote/{request_id}/content")
    def content(request: Request, kiosk_id: str, request_id: str) -> Response:
        session = supporter(request)
        with engine.begin() as conn:
            found = remote.content(conn, kiosk_id, request_id)
            if found is None:
                raise HTTPException(404, "nothing uploaded for this request")
            kind, content_type, data = found
            operators.audit(conn, session.operator.operator_id,
                            "remote_viewed" if kind == "screenshot" else "remote_downloaded",
                            kiosk_id=kiosk_id, kind=kind, request=request_id)
        how = "inline" if kind == "screenshot" else "attachment"
        name = f"{kiosk_id}-{kind}-{request_id[:8]}.{SUFFIX[kind]}"
        return Response(data, media_type=content_type,
                        headers={"cache-control": "no-store", "content-disposition": f'{how}; filename="{name}"'})
