"""A pcscd with a vpcd reader for tests, benchmarks and demos.

Preferred: a private pcscd. pcscd always puts its socket in /run/pcscd and ignores
PCSCLITE_CSOCK_NAME (only clients read it), so it runs in its own mount namespace with a
temporary directory bound over /run/pcscd; its socket is then reachable from outside at that
directory's path, and its reader configuration puts vpcd on a free port. Several test sessions
on one machine then never share a reader. This needs `unshare` with the right to mount (root).

Otherwise: the machine's own pcscd on its default socket (started as `pcscd -f` when none runs)
with Debian's vpcd configuration, "Virtual PCD 00 00" on TCP 35963. Only one card at a time can
sit in that reader, so two sessions using it at once disturb each other.

vpcd listens on all interfaces in either case (its configuration has no bind address).
"""

from __future__ import annotations

import contextlib
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

DEFAULT_SOCKET = "/run/pcscd/pcscd.comm"
DEFAULT_READER = "Virtual PCD 00"  # slots "… 00" and "… 01"
DEFAULT_VPCD_PORT = 35963
PRIVATE_READER = "Kiosk Virtual PCD 00"
VPCD_DRIVER_GLOBS = ("/usr/lib/pcsc/drivers/serial/libifdvpcd.so*", "/usr/lib/*/pcsc/drivers/serial/libifdvpcd.so*")
START_TIMEOUT = 10.0


class PcscdUnavailable(RuntimeError):
    """pcscd or vpcd cannot run here; the message says why."""


@dataclass
class Pcscd:
    socket_path: str
    reader_prefix: str  # slot n is f"{reader_prefix} 0{n}"
    vpcd_port: int  # slot n listens on vpcd_port + n
    private: bool
    process: subprocess.Popen | None = None
    workdir: str | None = None
    log_path: str | None = field(default=None, repr=False)

    def reader(self, slot: int = 0) -> str:
        return f"{self.reader_prefix} {slot:02d}"

    def port(self, slot: int = 0) -> int:
        return self.vpcd_port + slot

    @property
    def env(self) -> dict[str, str]:
        """What a client process needs in its environment to reach this pcscd."""
        return {"PCSCLITE_CSOCK_NAME": self.socket_path}

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process)
            self.process = None
        if self.workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None


def vpcd_driver() -> str:
    for pattern in VPCD_DRIVER_GLOBS:
        found = sorted(glob.glob(pattern))
        if found:
            return found[0]
    raise PcscdUnavailable("vpcd is not installed (packaging/system-deps.sh pcsc)")


def start(prefer_private: bool = True) -> Pcscd:
    """A running pcscd with a vpcd reader: a private one when possible, else the default."""
    if shutil.which("pcscd") is None:
        raise PcscdUnavailable("pcscd is not installed (packaging/system-deps.sh pcsc)")
    driver = vpcd_driver()
    if prefer_private and can_unshare_mounts():
        try:
            return _start_private(driver)
        except PcscdUnavailable as exc:  # e.g. a container that may unshare but not mount
            private_failure = exc
        try:
            return _start_default()
        except PcscdUnavailable as exc:
            raise PcscdUnavailable(f"{exc}; a private pcscd failed too: {private_failure}") from None
    return _start_default()


def _free_port_pair() -> int:
    """A port p with p + 1 free too (vpcd's two slots)."""
    for _ in range(50):
        with socket.socket() as first:
            first.bind(("", 0))
            port = first.getsockname()[1]
            if port >= 65535:
                continue
            with socket.socket() as second:
                try:
                    second.bind(("", port + 1))
                except OSError:
                    continue
        return port
    raise PcscdUnavailable("found no two free neighbouring TCP ports for vpcd")


def _start_private(driver: str) -> Pcscd:
    workdir = tempfile.mkdtemp(prefix="kiosk-pcscd-")
    run_dir, conf_dir = Path(workdir, "run"), Path(workdir, "reader.conf.d")
    run_dir.mkdir()
    conf_dir.mkdir()
    port = _free_port_pair()
    (conf_dir / "vpcd").write_text(
        f'FRIENDLYNAME "{PRIVATE_READER[:-3]}"\nDEVICENAME /dev/null:{port}\nLIBPATH {driver}\nCHANNELID {port}\n')
    log_path = os.path.join(workdir, "pcscd.log")
    # sh binds the directory in the new namespace, then becomes pcscd: the pid is pcscd's own.
    script = 'mkdir -p /run/pcscd && mount --bind "$1" /run/pcscd && exec pcscd -f -c "$2"'
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            ["unshare", "-m", "--propagation", "private", "sh", "-c", script, "sh", str(run_dir), str(conf_dir)],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    return _started(Pcscd(str(run_dir / "pcscd.comm"), PRIVATE_READER, port, True, process, workdir, log_path))


def _start_default() -> Pcscd:
    service = Pcscd(DEFAULT_SOCKET, DEFAULT_READER, DEFAULT_VPCD_PORT, False)
    if _answers(DEFAULT_SOCKET):
        return service  # somebody's pcscd already runs: use it, leave it running
    if os.geteuid() != 0:
        raise PcscdUnavailable("no pcscd is running and only root can start one on /run/pcscd")
    service.process = subprocess.Popen(["pcscd", "-f"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                       stdin=subprocess.DEVNULL)
    return _started(service)


def _answers(path: str) -> bool:
    with socket.socket(socket.AF_UNIX) as probe, contextlib.suppress(OSError):
        probe.connect(path)
        return True
    return False


def _started(service: Pcscd) -> Pcscd:
    """`service` once its socket answers; stopped again if it never does."""
    try:
        _wait_for_socket(service)
    except PcscdUnavailable:
        service.stop()
        raise
    return service


def _wait_for_socket(service: Pcscd) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if service.process is not None and service.process.poll() is not None:
            tail = ""
            if service.log_path and os.path.exists(service.log_path):
                tail = Path(service.log_path).read_text(errors="replace").strip().splitlines()[-1:]
                tail = f": {tail[0]}" if tail else ""
            raise PcscdUnavailable(f"pcscd exited with status {service.process.returncode}{tail}")
        if _answers(service.socket_path):
            return
        time.sleep(0.02)
    raise PcscdUnavailable(f"pcscd did not open {service.socket_path} within {START_TIMEOUT:g} s")
