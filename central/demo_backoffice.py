"""The reference back office: a demo data set of who has a criminal record.

All ID numbers here are fictitious (valid check character, no real person behind them).
Anyone not listed gets a no-criminal-record certificate; these people are sent to a service
counter, as a real records check would for a hit that needs a person to look at it. Everyone
with a valid ID number gets a temporary identity proof. Offline applications are decided as
soon as central ingests them (a real back office may answer "accepted" and decide later).
"""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from central.backoffice import Applicant, Decision, TemporaryIdApplicant
from central.sealing import unseal

REFUSAL_REASON = "请到户籍所在地派出所窗口办理 / please apply at the police station where your household is registered"

# ID number -> a note for demo operators (never shown to the citizen).
CRIMINAL_RECORDS: dict[str, str] = {
    "310104196811052463": "demo card li-na: insert it in `kiosk demo` to see a refusal",
    "110101198001011232": "demo: record on file",
    "440305199006152349": "demo: record on file",
    "510107197511203451": "demo: record on file",
}


def has_criminal_record(id_number: str) -> bool:
    return id_number.upper() in CRIMINAL_RECORDS


class DemoBackOffice:
    """Implements central.backoffice.BackOffice from the table above. It takes sealed
    applicants: its key pair lives in this process only (a real adapter keeps its private key
    in its own key store, and gives central only `public_key`)."""

    def __init__(self) -> None:
        self._private = X25519PrivateKey.generate()
        self.public_key = self._private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    def open_applicant(self, envelope: str, record_key: str) -> Applicant:
        """The applicant of an offline application, from the envelope in its stored record."""
        person = unseal(self._private, envelope, record_key)
        return Applicant(person["id_number"], person["name"])

    def check_no_criminal_record(self, applicant: Applicant, purpose: str) -> Decision:
        if has_criminal_record(applicant.id_number):
            return Decision("refused", REFUSAL_REASON)
        return Decision("issued")

    def issue_temporary_id(self, applicant: TemporaryIdApplicant, purpose: str) -> Decision:
        return Decision("issued")
