"""Fictitious chip documents for the virtual card, demos and tests.

The travel permits are TD1 cards (three MRZ lines of 30) issued by "CHN" with document code
"CS"; every name, number and date here is invented. Each permit belongs to a demo card's holder
(config/cards/, central/demo_backoffice.py): same birth date, so a kiosk can open the chip with
the number typed, the birth date of the ID card and the expiry central knows. The ICAO specimen is the passport of ICAO
9303 part 11's worked BAC example, so the whole read can be checked against published values.
"""

from __future__ import annotations

import datetime

from drivers.pcsc import mrz
from drivers.pcsc.model import ChipDocument

ICAO_SPECIMEN_MRZ = ("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
                     "L898902C<3UTO6908061F9406236ZE184226B<<<<<14")


def _permit(number: str, surname: str, given: str, sex: str, birth: str, expiry: str) -> str:
    return mrz.build_td1(ChipDocument(
        document_code="CS", issuing_state="CHN", document_number=number, surname=surname,
        given_names=given, nationality="CHN", birth_date=datetime.date.fromisoformat(birth), sex=sex,
        expiry_date=datetime.date.fromisoformat(expiry)))


DEMO_DOCUMENTS: dict[str, str] = {  # name -> MRZ
    "permit-zhang-wei": _permit("C03005988", "ZHANG", "WEI", "M", "1985-03-12", "2031-05-14"),
    "permit-li-na": _permit("CK7654321", "LI", "NA", "F", "1968-11-05", "2029-08-30"),
    "icao-specimen": ICAO_SPECIMEN_MRZ,
}
DEFAULT_DOCUMENT = "permit-zhang-wei"


def demo_document_names() -> list[str]:
    return sorted(DEMO_DOCUMENTS)


def demo_mrz(name: str) -> str:
    try:
        return DEMO_DOCUMENTS[name]
    except KeyError:
        raise ValueError(f"no demo document {name!r} (known: {', '.join(demo_document_names())})") from None
