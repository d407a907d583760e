"""Machine-readable zones (ICAO 9303 parts 3 to 6), without I/O: check digits, the three
layouts, and building an MRZ from fields for the virtual card's documents.

TD1 is the card-sized layout (three lines of 30) that the electronic travel permits use, TD2 two
lines of 36, TD3 the passport book's two lines of 44. A zone whose check digits fail is a
ProtocolError: the chip signs what it holds, so a bad digit means damage on the way.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from drivers.base import ProtocolError
from drivers.pcsc.model import ChipDocument

FILLER = "<"
_VALUES = {**{str(d): d for d in range(10)}, **{chr(ord("A") + i): 10 + i for i in range(26)}, FILLER: 0}
_WEIGHTS = (7, 3, 1)
LAYOUTS = {90: "TD1", 72: "TD2", 88: "TD3"}  # characters in all lines together
LINE_LENGTH = {"TD1": 30, "TD2": 36, "TD3": 44}
EXPIRY_HORIZON_YEARS = 50  # an expiry more than this far ahead is read as last century's


def check_digit(text: str) -> str:
    """ICAO 9303 part 3, 4.9: weights 7, 3, 1; digits count as themselves, A-Z as 10-35, < as 0."""
    try:
        total = sum(_VALUES[ch] * _WEIGHTS[i % 3] for i, ch in enumerate(text))
    except KeyError as exc:
        raise ValueError(f"character {exc.args[0]!r} cannot appear in an MRZ") from None
    return str(total % 10)


def normalise(text: str) -> str:
    """The zone as one string: line breaks and spaces dropped, letters upper case."""
    return "".join(text.split()).upper()


def layout_of(text: str) -> str:
    layout = LAYOUTS.get(len(text))
    if layout is None:
        raise ProtocolError(f"MRZ of {len(text)} characters is no known layout (TD1 90, TD2 72, TD3 88)")
    if any(ch not in _VALUES for ch in text):
        raise ProtocolError("MRZ holds characters other than A-Z, 0-9 and <")
    return layout


def parse(text: str, today: datetime.date | None = None) -> ChipDocument:
    """A document from its MRZ (TD1, TD2 or TD3), every check digit verified."""
    mrz = normalise(text)
    layout = layout_of(mrz)
    today = today or datetime.date.today()
    if layout == "TD1":
        l1, l2, l3 = mrz[:30], mrz[30:60], mrz[60:]
        number, optional = _td1_number(l1)
        birth, sex, expiry, nationality = l2[0:7], l2[7], l2[8:15], l2[15:18]
        optional += l2[18:29]
        composite, composite_digit, names = l1[5:30] + l2[0:7] + l2[8:15] + l2[18:29], l2[29], l3
        code, state = l1[0:2], l1[2:5]
    else:
        size = LINE_LENGTH[layout]
        l1, l2 = mrz[:size], mrz[size:]
        code, state, names = l1[0:2], l1[2:5], l1[5:]
        number = _checked(l2[0:9], l2[9], "document number")
        nationality, birth, sex, expiry = l2[10:13], l2[13:20], l2[20], l2[21:28]
        optional_end = size - 1 if layout == "TD2" else 42
        optional = l2[28:optional_end]
        if layout == "TD3" and (optional.strip(FILLER) or l2[42] != FILLER):
            _checked(optional, l2[42], "personal number")  # may be '<' when there is none
        composite, composite_digit = l2[0:10] + l2[13:20] + l2[21:size - 1], l2[size - 1]
    _checked(birth[:6], birth[6], "birth date")
    _checked(expiry[:6], expiry[6], "expiry date")
    _checked(composite, composite_digit, "composite")
    surname, _, given = names.partition(FILLER * 2)
    return ChipDocument(
        document_code=code.rstrip(FILLER),
        issuing_state=state.rstrip(FILLER),
        document_number=number,
        surname=_words(surname),
        given_names=_words(given),
        nationality=nationality.rstrip(FILLER),
        birth_date=_date(birth[:6], "birth date", century_of=lambda yy: 2000 if 2000 + yy <= today.year else 1900),
        sex={"M": "M", "F": "F"}.get(sex, "X"),
        expiry_date=_date(expiry[:6], "expiry date", century_of=lambda yy: (
            2000 if 2000 + yy <= today.year + EXPIRY_HORIZON_YEARS else 1900)),
        optional_data=_words(optional),
        mrz="\n".join(mrz[i:i + LINE_LENGTH[layout]] for i in range(0, len(mrz), LINE_LENGTH[layout])),
    )


def _td1_number(line1: str) -> tuple[str, str]:
    """TD1 document number and optional data; a number longer than 9 characters puts '<' in the
    check digit's place and continues in the optional data, ending with its check digit."""
    if line1[14] != FILLER:
        return _checked(line1[5:14], line1[14], "document number"), line1[15:30]
    rest = line1[15:30]
    tail = rest.split(FILLER, 1)[0]
    if len(tail) < 2:
        return _checked(line1[5:14], line1[14], "document number"), rest
    number, digit = line1[5:14] + tail[:-1], tail[-1]
    return _checked(number, digit, "document number"), rest[len(tail):]


def _checked(field: str, digit: str, what: str) -> str:
    if check_digit(field) != digit:
        raise ProtocolError(f"MRZ: the {what} fails its check digit")
    return field.rstrip(FILLER)


def _words(field: str) -> str:
    return " ".join(field.replace(FILLER, " ").split())


def _date(yymmdd: str, what: str, century_of) -> datetime.date:
    if not yymmdd.isdigit():
        raise ProtocolError(f"MRZ: the {what} is not a full date")
    yy = int(yymmdd[:2])
    try:
        return datetime.date(century_of(yy) + yy, int(yymmdd[2:4]), int(yymmdd[4:6]))
    except ValueError:
        raise ProtocolError(f"MRZ: the {what} is no calendar date") from None


# --- building -----------------------------------------------------------------------------


def build_td1(document: ChipDocument) -> str:
    """The TD1 zone for `document`, three lines joined by newlines (check digits computed)."""
    number = document.document_number.upper()
    if len(number) > 9:
        raise ValueError("document numbers longer than 9 characters are not built here")
    line1 = (_field(document.document_code, 2) + _field(document.issuing_state, 3)
             + _field(number, 9) + check_digit(_field(number, 9)) + _field(document.optional_data, 15))
    birth, expiry = document.birth_date.strftime("%y%m%d"), document.expiry_date.strftime("%y%m%d")
    sex = document.sex if document.sex in ("M", "F") else FILLER
    line2 = (birth + check_digit(birth) + sex + expiry + check_digit(expiry)
             + _field(document.nationality, 3) + _field("", 11))
    line2 += check_digit(line1[5:30] + line2[0:7] + line2[8:15] + line2[18:29])
    names = _words_field(document.surname)
    if document.given_names:
        names += FILLER * 2 + _words_field(document.given_names)
    line3 = _field(names, 30)
    for line in (line1, line2, line3):
        check_digit(line)  # every character must be one the MRZ allows
    return "\n".join((line1, line2, line3))


def _words_field(words: str) -> str:
    return FILLER.join(words.upper().split())


def _field(value: str, width: int) -> str:
    value = _words_field(value)
    if len(value) > width:
        raise ValueError(f"{value[:3]}… does not fit in {width} MRZ characters")
    return value.ljust(width, FILLER)


# --- the access key BAC derives its keys from ----------------------------------------------

KEY_STRING_LENGTH = 24  # number (9) + digit, birth (6) + digit, expiry (6) + digit


@dataclass(frozen=True, repr=False)
class AccessKey:
    """Document number, birth date and expiry (YYMMDD) as printed in the MRZ: what the terminal
    must know to open the chip. It is personal data; its repr hides it."""

    document_number: str
    birth: str
    expiry: str

    def __post_init__(self):
        if not self.document_number or any(ch not in _VALUES for ch in self.document_number.upper()):
            raise ValueError("document number must be 1 or more of A-Z, 0-9 and <")
        for name in ("birth", "expiry"):
            value = getattr(self, name)
            if len(value) != 6 or not value.isascii() or not value.isdigit():
                raise ValueError(f"{name} must be a YYMMDD date")

    @property
    def mrz_information(self) -> str:
        """The string BAC hashes (ICAO 9303 part 11, 9.7.2): each field with its check digit."""
        number = self.document_number.upper().ljust(9, FILLER)
        return (number + check_digit(number) + self.birth + check_digit(self.birth)
                + self.expiry + check_digit(self.expiry))

    @classmethod
    def of(cls, document: ChipDocument) -> "AccessKey":
        return cls(document.document_number, document.birth_date.strftime("%y%m%d"),
                   document.expiry_date.strftime("%y%m%d"))

    @classmethod
    def from_mrz(cls, text: str) -> "AccessKey":
        """From a whole MRZ (any layout), or from the 24-character key string
        (number, birth, expiry, each with its check digit), check digits verified."""
        zone = normalise(text)
        if len(zone) != KEY_STRING_LENGTH:
            try:
                return cls.of(parse(zone))
            except ProtocolError as exc:
                raise ValueError(f"mrz: {exc.message}") from None
        if any(ch not in _VALUES for ch in zone):
            raise ValueError("mrz holds characters other than A-Z, 0-9 and <")
        number, birth, expiry = zone[0:9], zone[10:16], zone[17:23]
        for field, digit, what in ((number, zone[9], "document number"), (birth, zone[16], "birth date"),
                                   (expiry, zone[23], "expiry date")):
            if check_digit(field) != digit:
                raise ValueError(f"mrz: the {what} fails its check digit")
        return cls(number.rstrip(FILLER), birth, expiry)

    def __repr__(self) -> str:
        return "AccessKey(<hidden>)"
