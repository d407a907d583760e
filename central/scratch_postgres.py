"""A throwaway PostgreSQL server on 127.0.0.1 in a temporary directory, for tests and benchmarks.

    with scratch_postgres() as admin_url:          # postgresql://postgres@127.0.0.1:PORT
        url = create_database(admin_url)           # a fresh database of its own
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path


class PostgresMissing(Exception):
    """No PostgreSQL server binaries on this machine."""


def postgres_bin() -> Path | None:
    """Debian keeps initdb and pg_ctl off PATH, in /usr/lib/postgresql/<version>/bin."""
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4]))
    return Path(versions[-1]).parent if versions else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def scratch_postgres(*, durable: bool = False, settings: dict[str, str] | None = None) -> Iterator[str]:
    """Start a server, yield its admin URL (no database name), stop and delete it afterwards.

    `durable=False` turns fsync off: quick for tests, whose cluster is deleted anyway; a
    benchmark that claims durable figures passes `durable=True`.
    """
    bin_dir = postgres_bin()
    if bin_dir is None or not (bin_dir / "initdb").exists():
        raise PostgresMissing("PostgreSQL server not installed (packaging/system-deps.sh postgresql)")
    # The server refuses to run as root: as root, the cluster belongs to the postgres user.
    as_owner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    root = Path(tempfile.mkdtemp(prefix="central-pg-"))
    if as_owner:
        shutil.chown(root, "postgres", "postgres")
    data, port = root / "data", _free_port()

    def run(*args: str) -> None:
        # cwd=root: the postgres user may not be allowed into the directory we run from.
        subprocess.run([*as_owner, *args], cwd=root, check=True, capture_output=True, timeout=60)

    run(str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
        "--locale=C", *([] if durable else ["--no-sync"]))
    options = [f"-k {root}", f"-p {port}", "-c listen_addresses=127.0.0.1"]
    if not durable:
        options += ["-c fsync=off", "-c full_page_writes=off"]
    options += [f"-c {name}={value}" for name, value in (settings or {}).items()]
    run(str(bin_dir / "pg_ctl"), "-D", str(data), "-o", " ".join(options), "-l", str(root / "server.log"),
        "-w", "start")
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}"
    finally:
        subprocess.run([*as_owner, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"],
                       cwd=root, capture_output=True, timeout=60)
        shutil.rmtree(root, ignore_errors=True)


def create_database(admin_url: str) -> str:
    """A new, empty database on the server; returns its URL."""
    import psycopg

    name = f"central_{uuid.uuid4().hex}"
    with psycopg.connect(f"{admin_url}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    return f"{admin_url}/{name}"


def drop_database(url: str) -> None:
    import psycopg

    admin_url, name = url.rsplit("/", 1)
    with psycopg.connect(f"{admin_url}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
