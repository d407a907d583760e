"""What a certificate says, as plain data: no layout, no PDF."""

from __future__ import annotations

from dataclasses import dataclass, field


class DocumentError(ValueError):
    """A document that cannot be rendered as given (bad photo, no title, missing font)."""


@dataclass
class Document:
    """An A4 certificate.

    `fields` are (label, value) rows; `paragraphs` are body text, wrapped to the page width;
    `verify_url` becomes a QR code captioned 扫码核验 with `number` under it; `photo` is the
    portrait as JPEG, PNG or WebP bytes (the ID card's photo), placed top right of the fields;
    `issued_at` is time text already formatted in the site's zone; `footer` is the small print,
    its lines separated by newlines.
    """

    title: str
    number: str
    issuer: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    paragraphs: list[str] = field(default_factory=list)
    verify_url: str | None = None
    photo: bytes | None = None
    issued_at: str = ""
    footer: str = ""

    def __repr__(self) -> str:
        # fields and paragraphs carry names and ID numbers: keep them out of logs
        return (f"Document(title={self.title!r}, number={self.number!r}, fields={len(self.fields)}, "
                f"paragraphs={len(self.paragraphs)}, photo={'yes' if self.photo else 'no'})")

    def check(self) -> None:
        if not self.title.strip():
            raise DocumentError("a certificate needs a title")
        for row in self.fields:
            if len(row) != 2 or not all(isinstance(part, str) for part in row):
                raise DocumentError("each field is a (label, value) pair of strings")
