"""The fleet web page for central's operators: /fleet, server-rendered, no script.

Operators log in (central/operators.py: argon2id, lockout); a session is a random token in an
HttpOnly, SameSite=Strict cookie scoped to /fleet, kept server-side only as its SHA-256, and
carries a CSRF token that every form posts back. The login form has no session yet: it checks a
double-submit token (a cookie and a hidden field that must agree). Roles: viewers see, publishers
also act on kiosks and deployments, admins also unlock operators. Support (between viewer and
publisher) also asks a kiosk for a screenshot or a diagnostic bundle (central/fleet_web/support.py).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import Engine, delete, insert, select

from central import api_browser, deployments, operators, remote
from central.applications import CST
from central.db import alarm_acks, operator_audit, operator_sessions
from central.fleet_state import deployments_overview, kiosk_audit, kiosk_rows, technician_audit, wanted_versions
from central.fleet_web import support as support_pages
from central.presence import PresenceRules

COOKIE = "fleet_session"
LOGIN_COOKIE = "fleet_login"
SESSION_S = 8 * 3600  # one shift
HERE = Path(__file__).parent
STATES = ("online", "offline", "never")


@dataclass(frozen=True)
class Session:
    operator: operators.Operator
    csrf: str


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _when(at: float | None) -> str:
    return "—" if at is None else datetime.fromtimestamp(at, CST).strftime("%Y-%m-%d %H:%M:%S")


def _shown(value: Any) -> Any:
    return "—" if value is None else value


def create_router(engine: Engine, rules: PresenceRules, tuf_repo: str | None,
                  watch: deployments.RepositoryWatch | None = None) -> APIRouter:
    """`watch`: the served repository, read for new versions (and their publication audited)
    whenever the kiosks page or the audit log is looked at, not only when a kiosk calls."""
    router = APIRouter(prefix="/fleet", include_in_schema=False)
    pages = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]))
    pages.filters["when"] = _when
    pages.filters["shown"] = _shown

    def render(name: str, status: int = 200, **context: Any) -> HTMLResponse:
        return HTMLResponse(pages.get_template(name).render(**context), status_code=status,
                            headers={"cache-control": "no-store"})

    def session_of(request: Request) -> Session | None:
        token = request.cookies.get(COOKIE)
        if not token:
            return None
        with engine.begin() as conn:
            row = conn.execute(select(operator_sessions).where(operator_sessions.c.token_hash == _hash(token))).first()
            if row is None or row.expires_at < time.time():
                return None
            operator = operators.get_operator(conn, row.operator_id)
        return None if operator is None else Session(operator, row.csrf)

    def viewer(request: Request) -> Session:
        session = session_of(request)
        if session is None:
            raise HTTPException(303, headers={"location": "/fleet/login"})
        return session

    def requiring(request: Request, session: Session, role: str) -> Session:
        """The session, if its operator has `role`; else 403, audited."""
        if not session.operator.may(role):
            with engine.begin() as conn:
                operators.audit(conn, session.operator.operator_id, "refused", needs=role, path=request.url.path)
            raise HTTPException(403, f"this needs the {role} role")
        return session

    def acting(request: Request, csrf: str, role: str) -> Session:
        """The session behind a form post: CSRF checked first, then the role."""
        session = session_of(request)
        if session is None or not hmac.compare_digest(csrf, session.csrf):
            raise HTTPException(403, "the form has expired or did not come from this page: reload and try again")
        return requiring(request, session, role)

    @router.get("/static/fleet.css")
    def stylesheet() -> FileResponse:
        return FileResponse(HERE / "static" / "fleet.css", media_type="text/css")

    @router.get("/api")
    def api_page(request: Request) -> HTMLResponse:
        viewer(request)
        return HTMLResponse(api_browser.page_html(request.app.title), headers={"cache-control": "no-store"})

    @router.get("/openapi.json")
    def api_document(request: Request) -> dict[str, Any]:
        viewer(request)
        return request.app.openapi()

    @router.get("/static/swagger-ui/{name}")
    def api_browser_file(name: str) -> FileResponse:
        found = api_browser.asset(name)
        if found is None:
            raise HTTPException(404)
        return FileResponse(found[0], media_type=found[1])

    @router.get("/login")
    def login_page(request: Request) -> HTMLResponse:
        return _login_form(render, None)

    @router.post("/login")
    def login(request: Request, operator: str = Form(max_length=64), password: str = Form(max_length=1025),
              csrf: str = Form(max_length=64)) -> Response:
        expected = request.cookies.get(LOGIN_COOKIE, "")
        if not expected or not hmac.compare_digest(csrf, expected):
            raise HTTPException(403, "the login form has expired: reload and try again")
        source = request.client.host if request.client else ""
        try:
            who = operators.login(engine, operator, password, source=source)
        except operators.LoginRefused as refused:
            return _login_form(render, str(refused), status=401)
        token, csrf_token = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        now = time.time()
        with engine.begin() as conn:
            conn.execute(delete(operator_sessions).where(operator_sessions.c.expires_at < now))
            conn.execute(insert(operator_sessions).values(token_hash=_hash(token), operator_id=who.operator_id,
                                                          csrf=csrf_token, created_at=now, expires_at=now + SESSION_S))
        answer = RedirectResponse("/fleet", status_code=303)
        answer.set_cookie(COOKIE, token, max_age=SESSION_S, path="/fleet", httponly=True, samesite="strict",
                          secure=request.url.scheme == "https")
        answer.delete_cookie(LOGIN_COOKIE, path="/fleet/login")
        return answer

    @router.post("/logout")
    def logout(request: Request, csrf: str = Form(max_length=64)) -> Response:
        session = acting(request, csrf, "viewer")
        with engine.begin() as conn:
            conn.execute(delete(operator_sessions)
                         .where(operator_sessions.c.token_hash == _hash(request.cookies[COOKIE])))
            operators.audit(conn, session.operator.operator_id, "logout")
        answer = RedirectResponse("/fleet/login", status_code=303)
        answer.delete_cookie(COOKIE, path="/fleet")
        return answer

    @router.get("")
    def fleet(request: Request, group: str = "", state: str = "") -> HTMLResponse:
        session = viewer(request)
        with engine.begin() as conn:
            deployments.sync(conn, watch)
            rows = kiosk_rows(conn, rules, wanted=wanted_versions(tuf_repo))
            rollouts = deployments_overview(conn)
        groups = sorted({row["group"] for row in rows})
        shown = [row for row in rows if (not group or row["group"] == group)
                 and (not state or row["state"] == state or (state == "alarm" and row["alarm"])
                      or (state == "flapping" and row["flapping"]))]
        return render("fleet.html", session=session, rows=shown, total=len(rows), groups=groups,
                      states=STATES + ("alarm", "flapping"), group=group, state=state, deployments=rollouts,
                      flap_window_min=round(rules.flap_window_s / 60))

    @router.get("/kiosks/{kiosk_id}")
    def kiosk(request: Request, kiosk_id: str) -> HTMLResponse:
        session = viewer(request)
        with engine.begin() as conn:
            rows = [row for row in kiosk_rows(conn, rules, wanted=wanted_versions(tuf_repo))
                    if row["kiosk_id"] == kiosk_id]
            if not rows:
                raise HTTPException(404, "no such kiosk")
            trail = kiosk_audit(conn, kiosk_id)
            asked = remote.for_kiosk(conn, kiosk_id) if session.operator.may(support_pages.ROLE) else []
        return render("kiosk.html", session=session, row=rows[0], trail=trail, asked=asked)

    @router.get("/technicians/{actor}")
    def technician(request: Request, actor: str) -> HTMLResponse:
        session = viewer(request)
        with engine.begin() as conn:
            trail = technician_audit(conn, actor)
        return render("technician.html", session=session, actor=actor, trail=trail)

    @router.get("/audit")
    def audit(request: Request) -> HTMLResponse:
        session = viewer(request)
        with engine.begin() as conn:
            deployments.sync(conn, watch)
            entries = conn.execute(select(operator_audit).order_by(operator_audit.c.id.desc()).limit(200)).all()
            accounts = operators.list_operators(conn) if session.operator.may("admin") else []
        return render("audit.html", session=session, entries=entries, accounts=accounts)

    @router.post("/kiosks/{kiosk_id}/acknowledge")
    def acknowledge(request: Request, kiosk_id: str, csrf: str = Form(max_length=64)) -> Response:
        session = acting(request, csrf, "publisher")
        with engine.begin() as conn:
            conn.execute(delete(alarm_acks).where(alarm_acks.c.kiosk_id == kiosk_id))
            conn.execute(insert(alarm_acks).values(kiosk_id=kiosk_id, operator_id=session.operator.operator_id,
                                                   at=time.time()))
            operators.audit(conn, session.operator.operator_id, "alarm_acknowledged", kiosk_id=kiosk_id)
        return RedirectResponse("/fleet", status_code=303)

    @router.post("/deployments/{action}")
    def deployment(request: Request, action: str, group: str = Form(max_length=64),
                   version: int = Form(ge=1), csrf: str = Form(max_length=64)) -> Response:
        if action not in ("approve", "halt"):
            raise HTTPException(404, "no such action")
        session = acting(request, csrf, "publisher")
        with engine.begin() as conn:
            try:
                getattr(deployments, action)(conn, group, version, session.operator.operator_id)
            except deployments.DeploymentError as exc:
                raise HTTPException(409, str(exc)) from None
            operators.audit(conn, session.operator.operator_id, f"deployment_{action}", group=group, version=version)
        return RedirectResponse("/fleet", status_code=303)

    @router.post("/operators/{operator_id}/unlock")
    def unlock(request: Request, operator_id: str, csrf: str = Form(max_length=64)) -> Response:
        session = acting(request, csrf, "admin")
        with engine.begin() as conn:
            if not operators.unlock(conn, operator_id, session.operator.operator_id):
                raise HTTPException(404, "no such operator")
        return RedirectResponse("/fleet/audit", status_code=303)

    support_pages.add_routes(router, engine, render, lambda r: requiring(r, viewer(r), support_pages.ROLE), acting)
    return router


def _login_form(render: Any, message: str | None, status: int = 200) -> HTMLResponse:
    token = secrets.token_urlsafe(32)
    answer = render("login.html", status=status, csrf=token, message=message)
    answer.set_cookie(LOGIN_COOKIE, token, max_age=3600, path="/fleet/login", httponly=True, samesite="strict")
    return answer
