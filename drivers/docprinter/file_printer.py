"""A document printer that writes each job to a folder: `pdf+file:///var/lib/kiosk/documents`.

For the demo and for kiosks without a document printer: job `<job id>` becomes
`<folder>/<job id>.pdf`, written to a temporary name, flushed to disk and renamed, so a reader
of the folder never sees half a document. Copies are not multiplied: one file per job.

Faults for tests and the demo: the file `<folder>/.fault` holding `paper_out` or `stopped`
(written by `inject_fault(kind)`, or by hand: `echo paper_out > DIR/.fault`), removed by
`inject_fault(None)` (or `rm DIR/.fault`). Status reads it every time, so another process can
set it. Control commands (drivers/emulation/control.py style): `fault {"kind": …}`,
`clear_fault`, `status`.
"""

from __future__ import annotations

import itertools
import os
import tempfile
import time
from pathlib import Path

from drivers.base import DeviceState, DeviceStatus, NotPresent
from drivers.docprinter.base import DocumentPrinter, JobState
from drivers.registry import DeviceUrl

FAULT_FILE = ".fault"
FAULTS = ("paper_out", "stopped")
_sequence = itertools.count(1)


class FilePdfPrinter(DocumentPrinter):
    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.target = f"pdf+file://{self.folder}"

    @classmethod
    def from_url(cls, url: DeviceUrl) -> FilePdfPrinter:
        if url.scheme != "pdf+file":
            raise ValueError(f"FilePdfPrinter does not handle scheme {url.scheme!r}")
        if not url.path.startswith("/"):
            raise ValueError(f"expected pdf+file:///ABSOLUTE/FOLDER, got {url.raw}")
        return cls(Path(url.path))

    def open(self) -> None:
        pass  # status() looks at the folder every time

    def close(self) -> None:
        pass

    def status(self) -> DeviceStatus:
        detail = {"where": str(self.folder), "paper": "unknown"}
        if not self.folder.is_dir():
            return DeviceStatus(self.device_class, DeviceState.NO_DEVICE, f"no folder {self.folder}", detail)
        if not os.access(self.folder, os.W_OK | os.X_OK):
            return DeviceStatus(self.device_class, DeviceState.NO_DEVICE, f"cannot write to {self.folder}", detail)
        fault = self.fault()
        if fault == "paper_out":
            return DeviceStatus(self.device_class, DeviceState.HARDWARE_ERROR, "缺纸 / paper out (injected)",
                                {**detail, "paper": "out", "state": "idle"})
        if fault == "stopped":
            return DeviceStatus(self.device_class, DeviceState.HARDWARE_ERROR, "queue stopped (injected)",
                                {**detail, "paper": "ok", "state": "stopped"})
        return DeviceStatus(self.device_class, DeviceState.ONLINE, "ready", {**detail, "paper": "ok", "state": "idle"})

    # --- faults ---

    def fault(self) -> str | None:
        try:
            kind = (self.folder / FAULT_FILE).read_text(encoding="utf-8").strip()
        except OSError:
            return None
        return kind if kind in FAULTS else None

    def inject_fault(self, kind: str | None) -> None:
        path = self.folder / FAULT_FILE
        if kind is None:
            path.unlink(missing_ok=True)
            return
        if kind not in FAULTS:
            raise ValueError(f"unknown fault {kind!r} (known: {', '.join(FAULTS)})")
        path.write_text(kind + "\n", encoding="utf-8")

    def handle_control(self, command: dict) -> dict:
        op = command.get("op")
        if op == "fault":
            self.inject_fault(command.get("kind"))
        elif op == "clear_fault":
            self.inject_fault(None)
        elif op != "status":
            raise ValueError(f"unknown control op {op!r}")
        return {"ok": True, "fault": self.fault(), "status": self.status().to_json()}

    # --- jobs ---

    def _submit(self, data: bytes, *, title: str, copies: int) -> str:
        job_id = f"doc-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{next(_sequence)}"
        final = self.folder / f"{job_id}.pdf"
        try:
            handle, temporary = tempfile.mkstemp(prefix=f".{job_id}.", suffix=".part", dir=self.folder)
            try:
                with os.fdopen(handle, "wb") as out:
                    out.write(data)
                    out.flush()
                    os.fsync(out.fileno())
                os.replace(temporary, final)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
            directory = os.open(self.folder, os.O_RDONLY)
            try:
                os.fsync(directory)  # the rename itself survives a power cut
            finally:
                os.close(directory)
        except OSError as exc:
            raise NotPresent(f"cannot write {final}: {exc.strerror or exc}") from None
        return job_id

    def job_state(self, job_id: str) -> JobState:
        if (self.folder / f"{job_id}.pdf").is_file():
            return JobState(job_id, "completed")
        raise NotPresent(f"no job {job_id} in {self.folder}")

    def wait_job(self, job_id: str, timeout: float = 60.0) -> JobState:
        return self.job_state(job_id)  # written whole before print_pdf returned

    def output_path(self, job_id: str) -> Path:
        return self.folder / f"{job_id}.pdf"
