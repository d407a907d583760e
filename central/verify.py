"""The public verification page behind a document's QR code: /verify/{certificate_no}.

Any service's issued document; the title comes from the service's INFO. Shows only masked
personal data, enough for whoever holds the paper to compare it with its holder's card.
"""

from __future__ import annotations

import html
from datetime import date, datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from central.applications import CST
from central.context import central_of
from central.db import applications
from central.services.registry import info
from common.certno import is_certificate_number

router = APIRouter()


STYLE = ("body{font-family:sans-serif;margin:1.5em}th{text-align:left;padding-right:1em}"
         "td,th{padding:.3em 0;border-bottom:1px solid #ddd}")


@router.get("/static/verify.css", include_in_schema=False)
def style() -> Response:
    # A file of its own, not an inline <style>: the pages' policy allows no inline anything.
    return Response(STYLE, media_type="text/css", headers={"Cache-Control": "public, max-age=86400"})


@router.get("/verify/{certificate_no}", response_class=HTMLResponse)
def verify(certificate_no: str, request: Request) -> HTMLResponse:
    if not is_certificate_number(certificate_no):  # no lookup for what we never issued
        return HTMLResponse(page("未找到该证明 / Certificate not found", []), status_code=404)
    with central_of(request).engine.connect() as conn:
        row = conn.execute(
            select(applications).where(applications.c.certificate_no == certificate_no,
                                       applications.c.state == "issued")
        ).mappings().first()
    if row is None:
        return HTMLResponse(page("未找到该证明 / Certificate not found", []), status_code=404)
    return HTMLResponse(verification_page(row))


def verification_page(row) -> str:
    valid_until = date.fromisoformat(row["valid_until"])
    valid = datetime.now(CST).date() <= valid_until
    service = info(row["service"])
    fields = [
        ("证明编号 / Certificate no.", row["certificate_no"]),
        ("状态 / Status", "有效 / Valid" if valid else "已过期 / Expired"),
        ("姓名 / Name", row["name_masked"]),
        ("公民身份号码 / ID number", row["id_masked"]),
        ("用途 / Purpose", row["purpose"]),
        ("开具日期 / Issued", datetime.fromtimestamp(row["issued_at"], CST).date().isoformat()),
        ("有效期至 / Valid until", valid_until.isoformat()),
    ]
    return page(service.title if service else row["service"], fields)


def page(title: str, fields: list[tuple[str, str]]) -> str:
    rows = "".join(
        f"<tr><th>{html.escape(label)}</th><td>{html.escape(str(value))}</td></tr>" for label, value in fields
    )
    return (
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>{html.escape(title)}</title>"
        "<link rel=\"stylesheet\" href=\"/static/verify.css\"></head>"
        f"<body><h1>{html.escape(title)}</h1><table>{rows}</table></body></html>"
    )
