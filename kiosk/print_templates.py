"""What operators may change of what receipts and certificates print (docs/operator-config.md).

A template is one line of plain text with at most two placeholders, `{site}` (the site's name)
and `{hotline}`, filled in by plain replacement: never str.format or a template engine, so a
template reaches no attribute, no code and no personal data. Each is checked when the config is
validated: those placeholders only, no other brace, no control character (an ESC would be a
printer command), and a width that fits its place. Everything else is fixed in code: what the
receipt is for, its numbers, the masked name and ID number, its QR code; the certificate's
title, number, holder's data, wording, verification QR code, layout and the kiosk number in
its small print.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

PLACEHOLDERS = ("site", "hotline")
# What a placeholder counts for: a title line's width, room for a site's name or a hotline
# (the values themselves are the site's, set in its local config).
PLACEHOLDER_COLUMNS = 16
# The narrowest receipt roll (58 mm, font A): one group's kiosks may have 58 or 80 mm printers.
RECEIPT_COLUMNS = 32
TITLE_COLUMNS = RECEIPT_COLUMNS // 2  # title lines print double width
ISSUER_COLUMNS = 48  # 24 Chinese characters at 14 pt: the foot's line beside the QR code
NOTE_COLUMNS = 120  # two lines of the 8 pt small print across the page
CertificateKind = Literal["no_criminal_record", "temporary_id"]  # the services printing an A4 certificate

_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


def columns(text: str) -> int:
    """Printed width in columns: a Chinese (wide) character takes two, others one."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def template_problem(text: str, limit: int, placeholders: tuple[str, ...] = PLACEHOLDERS) -> str | None:
    """Why `text` cannot be a template `limit` columns wide, or None when it can."""
    if any(unicodedata.category(char).startswith("C") for char in text):
        return "control characters are not allowed: a template is one line of plain text"
    names = _PLACEHOLDER.findall(text)
    allowed = ", ".join(f"{{{name}}}" for name in placeholders) or "none here"
    unknown = [name for name in names if name not in placeholders]
    if unknown:
        return f"unknown placeholder {{{unknown[0]}}} (allowed: {allowed})"
    bare = _PLACEHOLDER.sub("", text)
    if "{" in bare or "}" in bare:
        return f"a brace outside a placeholder (allowed: {allowed})"
    width = columns(bare) + PLACEHOLDER_COLUMNS * len(names)
    if width > limit:
        return (f"too long: {width} columns, at most {limit} (a Chinese character counts 2, "
                f"a placeholder {PLACEHOLDER_COLUMNS})")
    return None


def _checked(text: str, limit: int, placeholders: tuple[str, ...] = PLACEHOLDERS) -> str:
    problem = template_problem(text, limit, placeholders)
    if problem:
        raise ValueError(problem)
    return text


def fill(template: str, values: dict[str, str]) -> str | None:
    """The template with its placeholders' values, or None when one of them is empty (a
    hotline line on a kiosk without a hotline is left out)."""
    names = _PLACEHOLDER.findall(template)
    if any(not values.get(name) for name in names):
        return None
    return _PLACEHOLDER.sub(lambda match: values[match.group(1)], template)


def issuer_problem(text: str) -> str | None:
    """The issuing authority as a certificate's foot prints it: plain text, no placeholder."""
    return template_problem(text, ISSUER_COLUMNS, ())


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Line(_Strict):
    """A receipt line in Chinese, and optionally its English, printed under it."""

    limit: ClassVar[int] = RECEIPT_COLUMNS
    zh: str = Field(min_length=1)
    en: str = ""

    @field_validator("zh", "en")
    @classmethod
    def _fits(cls, text: str) -> str:
        return _checked(text, cls.limit)


class TitleLine(_Line):
    limit: ClassVar[int] = TITLE_COLUMNS


class FooterLine(_Line):
    pass


class ReceiptTemplate(_Strict):
    """The receipt's title lines (centred, double size, above what the receipt is for) and its
    footer lines (after the body, before the cut). The defaults print what receipts always did."""

    header: list[TitleLine] = Field(default_factory=lambda: [TitleLine(zh="{site}")], max_length=3)
    footer: list[FooterLine] = Field(default_factory=lambda: [FooterLine(zh="咨询电话：{hotline}")], max_length=6)


class CertificateTemplate(_Strict):
    """One kind of A4 certificate: its issuing authority (unset: the site's, `kiosk.issuer`) and
    a note in its small print, above the kiosk number. Chinese only, as the certificates are."""

    issuer: str | None = Field(None, min_length=1)
    note: str = ""

    @field_validator("issuer")
    @classmethod
    def _issuer_fits(cls, text: str | None) -> str | None:
        return None if text is None else _checked(text, ISSUER_COLUMNS, ())

    @field_validator("note")
    @classmethod
    def _note_fits(cls, text: str) -> str:
        return _checked(text, NOTE_COLUMNS)


class DocumentTemplates(_Strict):
    receipt: ReceiptTemplate = Field(default_factory=ReceiptTemplate)
    certificates: dict[CertificateKind, CertificateTemplate] = Field(default_factory=dict)


# --- printing them (config: a kiosk.config.KioskConfig) ---

def _values(config: Any, language: str) -> dict[str, str]:
    return {"site": config.kiosk.name.pick(language), "hotline": config.kiosk.hotline}


def _lines(lines: list[_Line], config: Any) -> list[str]:
    """Each line's Chinese, then its English where it has one; lines missing a value left out."""
    printed = []
    for line in lines:
        for language, template in (("zh", line.zh), ("en", line.en)):
            text = fill(template, _values(config, language)) if template else None
            if text is not None:
                printed.append(text)
    return printed


def receipt_header(config: Any):
    """A new drivers.printer.receipt.Receipt holding the operator's title lines."""
    from drivers.printer.receipt import Receipt  # here: loading the config need not load the printer package

    receipt = Receipt()
    for text in _lines(config.documents.receipt.header, config):
        receipt.title(text)
    return receipt


def receipt_footer(receipt, config: Any):
    """The operator's footer lines, then the feed and the cut."""
    for text in _lines(config.documents.receipt.footer, config):
        receipt.line(text)
    return receipt.feed(2).cut()


def certificate_issuer(config: Any, kind: str) -> str:
    template = config.documents.certificates.get(kind)
    return template.issuer if template and template.issuer else config.kiosk.issuer.zh


def certificate_footer(config: Any, kind: str) -> str:
    """The small print: the operator's note, if any, then the kiosk number (always printed)."""
    template = config.documents.certificates.get(kind)
    note = fill(template.note, _values(config, "zh")) if template and template.note else None
    return "\n".join(filter(None, (note, f"自助机编号 {config.kiosk.id}")))
