"""A chip document (eMRTD) as the kiosk sees it: the fields of its MRZ, read from DG1.

Personal data: `ChipDocument.__repr__` shows only the masked document number, so a document
that ends up in a log line or a traceback never leaks a name, a date or a full number.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, fields

from common.masking import mask_name  # one rule everywhere; still importable from here


def mask_document_number(number: str) -> str:
    """First 2 and last 2 characters kept, the rest starred: E1*****89. Anything of 5 characters
    or fewer is starred entirely."""
    if len(number) <= 5:
        return "*" * len(number)
    return number[:2] + "*" * (len(number) - 4) + number[-2:]


@dataclass(repr=False)
class ChipDocument:
    document_code: str  # "P" passport, "C…"/"I…" cards; the travel permits use TD1 cards
    issuing_state: str
    document_number: str
    surname: str
    given_names: str
    nationality: str
    birth_date: datetime.date
    sex: str  # "M", "F" or "X" (unspecified)
    expiry_date: datetime.date
    optional_data: str = ""
    mrz: str = ""  # the zone as read, lines joined by newlines

    @property
    def masked_number(self) -> str:
        return mask_document_number(self.document_number)

    def masked(self) -> dict[str, str]:
        """What may go into a log: the kind of document, masked number and names, no dates."""
        return {
            "document_code": self.document_code,
            "issuing_state": self.issuing_state,
            "document_number": self.masked_number,
            "surname": mask_name(self.surname),
            "given_names": mask_name(self.given_names),
        }

    def to_json(self) -> dict[str, str]:
        return {
            "document_code": self.document_code,
            "issuing_state": self.issuing_state,
            "document_number": self.document_number,
            "surname": self.surname,
            "given_names": self.given_names,
            "nationality": self.nationality,
            "birth_date": self.birth_date.isoformat(),
            "sex": self.sex,
            "expiry_date": self.expiry_date.isoformat(),
            "optional_data": self.optional_data,
            "mrz": self.mrz,
        }

    @classmethod
    def from_json(cls, d: dict) -> "ChipDocument":
        """Inverse of to_json (`mrz` and `optional_data` may be left out). Checks shape and dates."""
        if not isinstance(d, dict):
            raise ValueError("a document must be a JSON object")
        required = ("document_code", "issuing_state", "document_number", "surname", "given_names",
                    "nationality", "birth_date", "sex", "expiry_date")
        missing = [key for key in required if key not in d]
        if missing:
            raise ValueError(f"document is missing {', '.join(missing)}")
        unknown = sorted(set(d) - set(required) - {"optional_data", "mrz"})
        if unknown:
            raise ValueError(f"document has unknown field {unknown[0]!r}")
        if not all(isinstance(value, str) for value in d.values()):
            raise ValueError("document fields must be strings")
        if d["sex"] not in ("M", "F", "X"):
            raise ValueError("document sex must be M, F or X")
        return cls(**{**d, "birth_date": _iso_date(d, "birth_date"), "expiry_date": _iso_date(d, "expiry_date")})

    def wipe(self) -> None:
        """Drop every field's content when the visit ends (releases the references; Python
        strings cannot be overwritten in place)."""
        for f in fields(self):
            if isinstance(getattr(self, f.name), str):
                setattr(self, f.name, "")
            else:
                setattr(self, f.name, datetime.date.min)

    def __repr__(self) -> str:
        return f"ChipDocument({self.document_code!r}, number={self.masked_number!r})"


def _iso_date(d: dict, key: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(d[key])
    except ValueError:
        raise ValueError(f"document field {key} is not a YYYY-MM-DD date") from None
