"""A private cupsd for tests, benchmarks and demos: its own configuration, spool, logs, state
and cache in a temporary folder, listening on 127.0.0.1:<free port> only, no browsing, no
printcap, no socket in /run/cups. A system cupsd on port 631 (started by systemd when Debian's
cups package was installed, or not at all in a container) is neither used nor touched, and
several private ones run side by side.

PDF queues use Debian's cups-pdf backend (printer-driver-cups-pdf) with the renderer set to
pdftocairo: cups-filters' default PostScript step turns the CID font's text into glyphs
pdftotext cannot read back; pdftocairo keeps it (Debian bug #928738). cups-pdf reads its
configuration only from /etc/cups (compiled in), so cupsd runs in its own mount namespace
(`unshare -m`, root) with a temporary folder holding our cups-pdf.conf bound over /etc/cups:
the output then lands in this server's own folder.

Without that right, PDF queues fall back to CUPS's `file:` device, allowed by `FileDevice Yes`
in this server's cups-files.conf (CUPS forbids it by default). What CUPS 2.4 does with it, as
seen here: a raw queue (no PPD) on a file: device marks the job completed and writes nothing;
the scheduler opens the file with O_WRONLY|O_EXCL and no O_CREAT, so the file must exist, and
it is overwritten in place without truncation. So the fallback queue has a one-line PPD whose
only filter is pdftopdf (the PDF comes out rewritten, text intact), its file is created empty
beforehand, and `output_of` moves each job's output aside and empties the file for the next.

cupsd must run as root here: cups-pdf is installed 0700 root, and CUPS runs such backends as root
only when cupsd itself is root.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from drivers.emulation.processes import can_unshare_mounts, stop_process

CUPS_PDF_PPD = "/usr/share/ppd/cups-pdf/CUPS-PDF_opt.ppd"
CUPS_PDF_BACKEND = "/usr/lib/cups/backend/cups-pdf"
START_TIMEOUT = 10.0
# A PDF "printer" for the file: fallback: pdftopdf only, so the file gets a PDF.
PASS_THROUGH_PPD = """\
*PPD-Adobe: "4.3"
*FormatVersion: "4.3"
*FileVersion: "1.0"
*LanguageVersion: English
*LanguageEncoding: ISOLatin1
*PCFileName: "KIOSKPDF.PPD"
*Manufacturer: "Kiosk"
*Product: "(Kiosk PDF file)"
*ModelName: "Kiosk PDF file"
*ShortNickName: "Kiosk PDF file"
*NickName: "Kiosk PDF file"
*PSVersion: "(3010.000) 0"
*LanguageLevel: "3"
*ColorDevice: True
*DefaultColorSpace: RGB
*FileSystem: False
*Throughput: "1"
*cupsFilter2: "application/pdf application/vnd.cups-pdf 0 pdftopdf"
*OpenUI *PageSize/Media Size: PickOne
*OrderDependency: 10 AnySetup *PageSize
*DefaultPageSize: A4
*PageSize A4/A4: "<</PageSize[595 842]/ImagingBBox null>>setpagedevice"
*CloseUI: *PageSize
*OpenUI *PageRegion: PickOne
*OrderDependency: 10 AnySetup *PageRegion
*DefaultPageRegion: A4
*PageRegion A4/A4: "<</PageSize[595 842]/ImagingBBox null>>setpagedevice"
*CloseUI: *PageRegion
*DefaultImageableArea: A4
*ImageableArea A4/A4: "0 0 595 842"
*DefaultPaperDimension: A4
*PaperDimension A4/A4: "595 842"
"""


class CupsdUnavailable(RuntimeError):
    """cupsd cannot run here; the message says why."""


@dataclass
class Cupsd:
    workdir: Path
    port: int
    cups_pdf: bool  # PDF queues go through cups-pdf (else through a file: device)
    process: subprocess.Popen | None = None
    queues: dict[str, str] = field(default_factory=dict)  # name → "cups-pdf" | "file" | device URI

    @property
    def server(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def output_dir(self) -> Path:
        return self.workdir / "out"

    def url(self, queue: str) -> str:
        return f"cups://{queue}?server={self.server}"

    def admin(self, *args: str) -> subprocess.CompletedProcess:
        """Run a CUPS admin command (lpadmin, cupsdisable, …) against this server."""
        command, rest = args[0], args[1:]
        done = subprocess.run([command, "-h", self.server, *rest], capture_output=True, text=True, timeout=30,
                              env={**os.environ, "LC_ALL": "C"})
        if done.returncode != 0:
            raise CupsdUnavailable(f"{command} failed: {done.stderr.strip() or done.stdout.strip()}")
        return done

    def add_pdf_queue(self, name: str) -> None:
        """A queue whose jobs come out as PDF files in `output_dir` (see `output_of`)."""
        if self.cups_pdf:
            self.admin("lpadmin", "-p", name, "-E", "-v", "cups-pdf:/", "-P", CUPS_PDF_PPD,
                       "-o", "pdftops-renderer-default=pdftocairo", "-o", "printer-error-policy=abort-job")
            self.queues[name] = "cups-pdf"
        else:
            device_file = self.output_dir / f"{name}.device"
            device_file.touch()
            device_file.chmod(0o666)
            ppd = self.workdir / "etc" / "kiosk-pdf.ppd"
            ppd.write_text(PASS_THROUGH_PPD)
            self.admin("lpadmin", "-p", name, "-E", "-v", f"file://{device_file}", "-P", str(ppd),
                       "-o", "printer-error-policy=abort-job")
            self.queues[name] = "file"

    def add_device_queue(self, name: str, device_uri: str) -> None:
        """A raw queue on `device_uri`; a failing device aborts the job instead of stopping the queue."""
        self.admin("lpadmin", "-p", name, "-E", "-v", device_uri, "-o", "printer-error-policy=abort-job")
        self.queues[name] = device_uri

    def output_of(self, queue: str, job_id: str, timeout: float = 10.0) -> Path:
        """The PDF a completed job on a PDF queue produced."""
        number = job_id.rpartition("-")[2]
        deadline = time.monotonic() + timeout
        while True:
            if self.queues.get(queue) == "cups-pdf":
                found = glob.glob(str(self.output_dir / f"*job_{number}.pdf"))
            else:
                found = self._take_file_output(queue, job_id)
            if found:
                return Path(found[0])
            if time.monotonic() > deadline:
                raise FileNotFoundError(f"no output of {job_id} in {self.output_dir}")
            time.sleep(0.05)

    def _take_file_output(self, queue: str, job_id: str) -> list[str]:
        taken = self.output_dir / f"{job_id}.pdf"
        if taken.exists():
            return [str(taken)]
        device_file = self.output_dir / f"{queue}.device"
        data = device_file.read_bytes()
        if not data.rstrip().endswith(b"%%EOF"):
            return []  # not there yet, or still being written
        taken.write_bytes(data)
        with open(device_file, "r+b") as emptied:
            emptied.truncate(0)
        return [str(taken)]

    def log_tail(self, lines: int = 20) -> str:
        path = self.workdir / "log" / "error_log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process)
            self.process = None
        shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def start() -> Cupsd:
    """A running private cupsd (no queues yet)."""
    missing = [tool for tool in ("cupsd", "lp", "lpadmin", "cupsdisable") if shutil.which(tool) is None]
    if missing:
        raise CupsdUnavailable(f"not installed: {', '.join(missing)} (packaging/system-deps.sh cups)")
    if os.geteuid() != 0:
        raise CupsdUnavailable("a private cupsd with the cups-pdf backend must run as root")
    if can_unshare_mounts() and os.path.exists(CUPS_PDF_BACKEND):
        try:
            return _start(cups_pdf=True)
        except CupsdUnavailable:
            pass  # e.g. a container that may unshare but not mount: try without cups-pdf
    return _start(cups_pdf=False)


def _start(*, cups_pdf: bool) -> Cupsd:
    workdir = Path(tempfile.mkdtemp(prefix="kiosk-cupsd-"))
    workdir.chmod(0o755)  # filters run as lp and read the spool below
    dirs = {name: workdir / name for name in ("etc", "etc-cups", "spool", "cache", "state", "log", "tmp", "out",
                                               "pdf-spool")}
    for path in dirs.values():
        path.mkdir()
    for name in ("spool", "tmp", "pdf-spool"):
        dirs[name].chmod(0o1777)
    port = _free_port()
    _write_config(dirs, port, workdir)
    service = Cupsd(workdir, port, cups_pdf)
    cupsd = ["cupsd", "-f", "-c", str(dirs["etc"] / "cupsd.conf"), "-s", str(dirs["etc"] / "cups-files.conf")]
    if cups_pdf:
        # sh binds our /etc/cups in the new namespace, then becomes cupsd: the pid is cupsd's own.
        script = 'mount --bind "$1" /etc/cups && shift && exec "$@"'
        command = ["unshare", "-m", "--propagation", "private", "sh", "-c", script, "sh", str(dirs["etc-cups"]), *cupsd]
    else:
        command = cupsd
    with open(dirs["log"] / "cupsd.out", "wb") as out:
        service.process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        _wait_until_listening(service)
    except CupsdUnavailable:
        service.stop()
        raise
    return service


def _write_config(dirs: dict[str, Path], port: int, workdir: Path) -> None:
    (dirs["etc"] / "cupsd.conf").write_text(f"""\
Listen 127.0.0.1:{port}
Browsing No
BrowseLocalProtocols none
WebInterface No
LogLevel info
MaxLogSize 0
DefaultAuthType None
# Private test server on loopback: every client on 127.0.0.1 may administer it.
<Location />
  Order allow,deny
  Allow from 127.0.0.1
</Location>
<Policy default>
  <Limit All>
    Order allow,deny
    Allow from 127.0.0.1
  </Limit>
</Policy>
""")
    (dirs["etc"] / "cups-files.conf").write_text(f"""\
User lp
Group lp
SystemGroup root
ServerRoot {dirs["etc"]}
RequestRoot {dirs["spool"]}
CacheDir {dirs["cache"]}
StateDir {dirs["state"]}
TempDir {dirs["tmp"]}
AccessLog {dirs["log"] / "access_log"}
ErrorLog {dirs["log"] / "error_log"}
PageLog {dirs["log"] / "page_log"}
Printcap {workdir / "printcap"}
FileDevice Yes
""")
    (dirs["etc-cups"] / "cups-pdf.conf").write_text(f"""\
Out {dirs["out"]}
AnonDirName {dirs["out"]}
Spool {dirs["pdf-spool"]}
Log {dirs["log"]}
Grp lp
Label 1
""")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_listening(service: Cupsd) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if service.process.poll() is not None:
            said = (service.workdir / "log" / "cupsd.out").read_text(errors="replace").strip().splitlines()
            tail = said[-1] if said else service.log_tail(1)
            raise CupsdUnavailable(f"cupsd exited with status {service.process.returncode}: {tail}")
        with socket.socket() as probe:
            probe.settimeout(0.5)
            if probe.connect_ex(("127.0.0.1", service.port)) == 0:
                return
        time.sleep(0.05)
    raise CupsdUnavailable(f"cupsd did not listen on {service.server} within {START_TIMEOUT:g} s")
