"""The document printer class: A4 PDFs (certificates) to a printer queue, once per job key.

`print_pdf(data, title=…, copies=…, job_key=…)` returns the job id. The job key makes it
idempotent within the process: a key already printed on a printer (a CUPS server and queue, or
a folder) returns its first job id and prints nothing, whichever instance for that printer is
asked (the device monitor may have reopened it in between). `wait_job(job_id, timeout)` follows the job to its end and raises
PrintFailed when the printer system aborted or cancelled it.
"""

from __future__ import annotations

import abc
import threading
from dataclasses import dataclass, field
from typing import ClassVar

from drivers.base import Device, DeviceState, DeviceStatus, DeviceTimeout, DeviceUserError, HardwareFault, NotPresent

DEVICE_CLASS = "docprinter"
MAX_COPIES = 20
MAX_TITLE = 120


class PrintFailed(HardwareFault):
    """A job was accepted but did not come out: aborted or cancelled by the printer system."""

    kind = "print_failed"


class UncertainSubmission(PrintFailed):
    """The submission was cut off: the job may or may not be queued."""


class PrinterStopped(HardwareFault):
    """The queue is stopped (disabled) or refuses jobs: nothing is sent."""

    kind = "printer_stopped"


class PaperOut(DeviceUserError):
    """The printer has no paper: nothing is sent."""

    kind = "paper_out"


@dataclass(frozen=True)
class JobState:
    job_id: str
    state: str  # pending, processing, completed, canceled, aborted, …
    reasons: tuple[str, ...] = field(default_factory=tuple)

    @property
    def finished(self) -> bool:
        return self.state in ("completed", "canceled", "aborted")

    def to_json(self) -> dict:
        return {"job_id": self.job_id, "state": self.state, "reasons": list(self.reasons)}


class _JobKeys:
    """job key → job id for this process. A key whose submission was cut off (timeout) is
    'uncertain': it may have printed, so it is refused rather than risk a second copy."""

    UNCERTAIN = ""

    def __init__(self):
        self.lock = threading.Lock()  # held across check and submission
        self._ids: dict[tuple[str, str], str] = {}

    def get(self, target: str, key: str) -> str | None:
        return self._ids.get((target, key))

    def put(self, target: str, key: str, job_id: str) -> None:
        self._ids[(target, key)] = job_id


JOB_KEYS = _JobKeys()


class DocumentPrinter(Device):
    device_class: ClassVar[str] = DEVICE_CLASS

    #: what identifies the printer for job keys (queue and server, or the folder)
    target: str

    def print_pdf(self, data: bytes, *, title: str, copies: int = 1, job_key: str) -> str:
        """Print `data` (a PDF) unless `job_key` was printed before; return the job id.

        `title` shows in the printer system's job list: a document type, no personal data."""
        title = _check_job(data, title, copies, job_key)
        with JOB_KEYS.lock:
            known = JOB_KEYS.get(self.target, job_key)
            if known == _JobKeys.UNCERTAIN:
                raise PrintFailed("an earlier attempt with this job key was cut off and may have printed; "
                                  "not printing it again")
            if known is not None:
                return known
            refuse_unless_ready(self.status())
            try:
                job_id = self._submit(data, title=title, copies=copies)
            except UncertainSubmission:
                JOB_KEYS.put(self.target, job_key, _JobKeys.UNCERTAIN)
                raise
            JOB_KEYS.put(self.target, job_key, job_id)
            return job_id

    @abc.abstractmethod
    def _submit(self, data: bytes, *, title: str, copies: int) -> str: ...

    @abc.abstractmethod
    def job_state(self, job_id: str) -> JobState: ...

    @abc.abstractmethod
    def wait_job(self, job_id: str, timeout: float = 60.0) -> JobState:
        """The job's final state once completed; PrintFailed if aborted or cancelled,
        DeviceTimeout if still going after `timeout` seconds."""


def refuse_unless_ready(status: DeviceStatus) -> None:
    """Raise the typed error that explains why `status` cannot print."""
    if status.state in (DeviceState.ONLINE, DeviceState.BUSY):
        return
    why = f"document printer cannot print: {status.message}"
    if status.detail.get("paper") == "out":
        raise PaperOut(why)
    if status.state == DeviceState.NO_DEVICE:
        raise NotPresent(why)
    if status.state == DeviceState.OFFLINE:
        raise DeviceTimeout(why)
    if status.detail.get("state") in ("stopped", "not_accepting"):
        raise PrinterStopped(why)
    raise HardwareFault(why)


def _check_job(data: bytes, title: str, copies: int, job_key: str) -> str:
    if not isinstance(data, (bytes, bytearray)) or not bytes(data[:5]) == b"%PDF-":
        raise ValueError("print_pdf takes PDF bytes (they start with %PDF-)")
    if not isinstance(copies, int) or not 1 <= copies <= MAX_COPIES:
        raise ValueError(f"copies must be 1 to {MAX_COPIES}, not {copies!r}")
    if not job_key:
        raise ValueError("print_pdf needs a job_key (the same key never prints twice)")
    clean = " ".join(str(title).split())[:MAX_TITLE]
    return clean or "document"
