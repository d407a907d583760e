"""A document printer behind a CUPS queue.

URLs:
    cups://QUEUE?server=127.0.0.1:631&timeout=3&lp_timeout=30
    ipp://HOST:PORT/printers/QUEUE?timeout=3

Jobs go in through CUPS's own client, `lp -h SERVER -d QUEUE -t TITLE -n COPIES -` with the
PDF on stdin, so CUPS's authentication, encryption and client configuration apply as they do for
any other program. State is read over IPP (Get-Printer-Attributes, Get-Job-Attributes, with the
small codec in ipp_codec.py) instead of parsing `lpstat` text, whose wording changes with
version and locale. pycups would do both but is a compiled extension needing libcups2-dev; the
kiosk needs three IPP attributes and one command.

Every operation opens its own HTTP connection: a restarted cupsd never leaves a dead socket.
"""

from __future__ import annotations

import http.client
import logging
import os
import re
import shutil
import socket
import subprocess
import time
from urllib.parse import quote, urlsplit

from drivers.base import DeviceState, DeviceStatus, DeviceTimeout, HardwareFault, NotPresent, ProtocolError
from drivers.docprinter import ipp_codec as ipp
from drivers.docprinter.base import DocumentPrinter, JobState, PrintFailed, UncertainSubmission
from drivers.registry import DeviceUrl

log = logging.getLogger(__name__)

DEFAULT_SERVER = "localhost:631"
PRINTER_ATTRIBUTES = ("printer-state", "printer-state-reasons", "printer-is-accepting-jobs",
                      "printer-state-message", "printer-name", "printer-make-and-model")
JOB_ATTRIBUTES = ("job-state", "job-state-reasons")
BAD_QUEUE_CHARS = re.compile(r"[\s/#\\'\"?]")
REQUEST_ID = re.compile(r"request id is (\S+)")
POLL_S = 0.2
# "processing-stopped": CUPS stopped the job (a filter failed on it); it waits for a technician.
FAILED_JOB_STATES = {"canceled": "was cancelled", "aborted": "was aborted", "processing-stopped": "was stopped"}


class CupsPrinter(DocumentPrinter):
    def __init__(self, queue: str, server: str = DEFAULT_SERVER, *, timeout: float = 3.0, lp_timeout: float = 30.0):
        if not queue or BAD_QUEUE_CHARS.search(queue):
            raise ValueError(f"bad CUPS queue name {queue!r}")
        self.queue = queue
        self.server = server
        self.host, self.port = _host_port(server)
        self.timeout = timeout
        self.lp_timeout = lp_timeout
        self.target = f"cups://{server}/{queue}"
        self._request_id = 0

    @classmethod
    def from_url(cls, url: DeviceUrl) -> CupsPrinter:
        common = {"timeout": url.option("timeout", 3.0, float), "lp_timeout": url.option("lp_timeout", 30.0, float)}
        raw = urlsplit(url.raw)
        if url.scheme == "cups":
            queue = raw.netloc.rpartition("@")[2] or url.path.strip("/")  # hostname would lower-case it
            return cls(queue, url.option("server", DEFAULT_SERVER), **common)
        if url.scheme == "ipp":
            prefix, _, queue = url.path.partition("/printers/")
            if prefix or not queue or "/" in queue:
                raise ValueError(f"expected ipp://HOST:PORT/printers/QUEUE, got {url.raw}")
            if not url.host:
                raise ValueError(f"no CUPS server in {url.raw}")
            return cls(queue, f"{url.host}:{url.port or 631}", **common)
        raise ValueError(f"CupsPrinter does not handle scheme {url.scheme!r}")

    # --- Device ---

    def open(self) -> None:
        if shutil.which("lp") is None:
            raise NotPresent("CUPS's lp command is not installed (Debian package cups-client)")

    def close(self) -> None:
        pass  # nothing held between operations

    def status(self) -> DeviceStatus:
        try:
            response = self._ipp(ipp.GET_PRINTER_ATTRIBUTES, f"/printers/{quote(self.queue)}",
                                 requested=PRINTER_ATTRIBUTES)
        except NotPresent as exc:
            return self._status(DeviceState.NO_DEVICE, exc.message)
        except DeviceTimeout as exc:
            return self._status(DeviceState.OFFLINE, exc.message)
        except ProtocolError as exc:
            return self._status(DeviceState.OFFLINE, exc.message)
        if response.status == ipp.STATUS_NOT_FOUND:
            return self._status(DeviceState.NO_DEVICE, f"no queue {self.queue} on CUPS server {self.server}")
        if not response.ok:
            return self._status(DeviceState.OFFLINE,
                                f"CUPS answered 0x{response.status:04x} {response.message}".strip())
        return status_from_attributes(response.group(ipp.PRINTER_GROUP), where=self._where())

    # --- jobs ---

    def _submit(self, data: bytes, *, title: str, copies: int) -> str:
        command = ["lp", "-h", self.server, "-d", self.queue, "-t", title, "-n", str(copies), "-"]
        env = {**os.environ, "LC_ALL": "C", "LANG": "C"}
        try:
            done = subprocess.run(command, input=bytes(data), capture_output=True, timeout=self.lp_timeout, env=env)
        except FileNotFoundError:
            raise NotPresent("CUPS's lp command is not installed (Debian package cups-client)") from None
        except subprocess.TimeoutExpired:
            raise UncertainSubmission(f"lp did not finish within {self.lp_timeout:g} s; the job may be queued") from None
        said = (done.stderr or done.stdout).decode("utf-8", "replace").strip().splitlines()
        line = said[-1] if said else f"exit status {done.returncode}"
        if done.returncode != 0:
            if "does not exist" in line or "not found" in line.lower():
                raise NotPresent(f"no queue {self.queue} on CUPS server {self.server}: {line}")
            raise HardwareFault(f"CUPS refused the job: {line}")
        found = REQUEST_ID.search(done.stdout.decode("utf-8", "replace"))
        if not found:
            raise UncertainSubmission(f"lp printed no job id: {line}")
        job_id = found.group(1)
        log.info("document printer %s: job %s queued (%d bytes, %d copies)", self._where(), job_id, len(data), copies)
        return job_id

    def job_state(self, job_id: str) -> JobState:
        number = _job_number(job_id)
        response = self._ipp(ipp.GET_JOB_ATTRIBUTES, "/jobs", requested=JOB_ATTRIBUTES, job_id=number)
        if response.status == ipp.STATUS_NOT_FOUND:
            raise NotPresent(f"CUPS server {self.server} knows no job {job_id}")
        if not response.ok:
            raise ProtocolError(f"CUPS answered 0x{response.status:04x} for job {job_id}: {response.message}")
        job = response.group(ipp.JOB_GROUP)
        state = ipp.JOB_STATES.get((job.get("job-state") or [None])[0], "unknown")
        reasons = tuple(str(r) for r in job.get("job-state-reasons", []) if r and r != "none")
        return JobState(job_id, state, reasons)

    def wait_job(self, job_id: str, timeout: float = 60.0) -> JobState:
        deadline = time.monotonic() + timeout
        next_printer_check = time.monotonic() + 1.0
        while True:
            state = self.job_state(job_id)
            if state.state in FAILED_JOB_STATES:
                why = f" ({', '.join(state.reasons)})" if state.reasons else ""
                raise PrintFailed(f"job {job_id} {FAILED_JOB_STATES[state.state]} by CUPS{why}")
            if state.state == "completed":
                return state
            now = time.monotonic()
            if now >= next_printer_check:
                # a job waiting on a stopped queue or an empty tray would only time out
                printer = self.status()
                if printer.state not in (DeviceState.ONLINE, DeviceState.BUSY):
                    raise PrintFailed(f"job {job_id} {state.state}, printer {printer.state.value}: {printer.message}")
                next_printer_check = now + 1.0
            if now >= deadline:
                raise DeviceTimeout(f"job {job_id} still {state.state} after {timeout:g} s")
            time.sleep(POLL_S)

    # --- internals ---

    def _ipp(self, operation: int, path: str, *, requested: tuple[str, ...], job_id: int | None = None):
        self._request_id = self._request_id % 0x7FFFFFFF + 1
        uri = f"ipp://{self.host}:{self.port}/printers/{quote(self.queue)}"
        body = ipp.encode_request(operation, self._request_id, uri, requested=requested, job_id=job_id)
        connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            connection.request("POST", path, body, {"Content-Type": "application/ipp"})
            answer = connection.getresponse()
            payload = answer.read()
        except (TimeoutError, socket.timeout):
            raise DeviceTimeout(f"CUPS server {self.server} does not answer (within {self.timeout:g} s)") from None
        except (ConnectionError, http.client.HTTPException, OSError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
            raise NotPresent(f"CUPS server {self.server} not reachable: {reason}") from None
        finally:
            connection.close()
        if answer.status != 200:
            raise ProtocolError(f"CUPS server {self.server} answered HTTP {answer.status}")
        return ipp.decode_response(payload)

    def _where(self) -> str:
        return f"{self.queue}@{self.server}"

    def _status(self, state: DeviceState, message: str) -> DeviceStatus:
        return DeviceStatus(self.device_class, state, message, {"where": self._where(), "paper": "unknown"})


def status_from_attributes(printer: dict, *, where: str) -> DeviceStatus:
    """The device status of a queue from its IPP printer attributes (pure)."""
    state = ipp.PRINTER_STATES.get((printer.get("printer-state") or [None])[0], "unknown")
    reasons = [str(r) for r in printer.get("printer-state-reasons", []) if r and r != "none"]
    accepting = (printer.get("printer-is-accepting-jobs") or [True])[0]
    said = str((printer.get("printer-state-message") or [""])[0] or "")
    paper = "out" if any(r.startswith(("media-empty", "media-needed")) for r in reasons) else (
        "near_end" if any(r.startswith("media-low") for r in reasons) else "ok")
    detail = {"where": where, "state": state, "reasons": reasons, "accepting": bool(accepting), "paper": paper}
    model = str((printer.get("printer-make-and-model") or [""])[0] or "")  # from the queue's driver (PPD)
    if model:
        detail["model"] = model
    cls = "docprinter"
    if paper == "out":
        return DeviceStatus(cls, DeviceState.HARDWARE_ERROR, "缺纸 / paper out", detail)
    if state == "stopped":
        return DeviceStatus(cls, DeviceState.HARDWARE_ERROR, f"queue stopped{': ' + said if said else ''}", detail)
    if not accepting:
        detail["state"] = "not_accepting"
        return DeviceStatus(cls, DeviceState.HARDWARE_ERROR, "queue is not accepting jobs", detail)
    if "offline-report" in reasons:
        return DeviceStatus(cls, DeviceState.OFFLINE, "printer reports it is offline", detail)
    errors = [r for r in reasons if r.endswith("-error")]
    if errors:
        return DeviceStatus(cls, DeviceState.HARDWARE_ERROR, ", ".join(errors), detail)
    if state == "processing":
        return DeviceStatus(cls, DeviceState.BUSY, "printing", detail)
    if state == "idle":
        return DeviceStatus(cls, DeviceState.ONLINE, "纸将尽 / paper low" if paper == "near_end" else "ready", detail)
    return DeviceStatus(cls, DeviceState.OFFLINE, f"unknown printer state {state}", detail)


def _host_port(server: str) -> tuple[str, int]:
    if server.startswith("["):  # [::1]:631
        host, _, rest = server[1:].partition("]")
        port = rest.lstrip(":") or "631"
    elif server.count(":") == 1:
        host, _, port = server.partition(":")
    else:
        host, port = server, "631"
    try:
        if not host:
            raise ValueError
        return host, int(port)
    except ValueError:
        raise ValueError(f"bad CUPS server {server!r} (expected HOST:PORT)") from None


def _job_number(job_id: str) -> int:
    try:
        return int(job_id.rpartition("-")[2])
    except ValueError:
        raise ValueError(f"not a CUPS job id: {job_id!r}") from None
