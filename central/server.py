"""Run central under uvicorn: in a background thread (demo, tests) or in the foreground (CLI).

We bind the listening socket ourselves, so port 0 gives a free port whose number is known
before the first request — no pick-a-port-and-hope race.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import signal
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from typing import Any

import uvicorn

from central.app import create_app
from common.journal import journal_formatters
from common.masking import install_masking
from common.sd_notify import notify, watchdog_interval_s

# uvicorn configures these in its Config; the masking (and, under systemd, the journal's
# priorities) go onto whatever handlers it made.
LOGGERS = ("", "uvicorn", "uvicorn.error", "uvicorn.access", "central")


def bind_socket(host: str, port: int) -> socket.socket:
    # IPPROTO_TCP, not 0: asyncio turns Nagle off (TCP_NODELAY) only on sockets that say TCP;
    # without it every small answer waits ~40 ms for the client's delayed ACK.
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(2048)  # a whole fleet reconnects at once after central restarts
    except OSError as exc:
        sock.close()
        raise OSError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    sock.set_inheritable(True)
    return sock


@dataclass(frozen=True)
class Tls:
    """uvicorn's TLS: central's certificate chain and key, and optionally the CA whose client
    certificates it requires of every kiosk (mutual TLS)."""

    cert: str
    key: str
    client_ca: str | None = None

    def options(self) -> dict[str, Any]:
        options: dict[str, Any] = {"ssl_certfile": self.cert, "ssl_keyfile": self.key}
        if self.client_ca:
            options |= {"ssl_ca_certs": self.client_ca, "ssl_cert_reqs": ssl.CERT_REQUIRED}
        return options


class NotifyingServer(uvicorn.Server):
    """uvicorn under a Type=notify unit: READY=1 once it serves, then WATCHDOG=1 from a task on
    its event loop, so a loop that stops answering stops the pings and systemd restarts it."""

    async def main_loop(self) -> None:
        # uvicorn calls this once startup has listened and run the lifespan: it serves now.
        notify("READY=1")
        interval = watchdog_interval_s()
        pinger = asyncio.create_task(self._ping(interval)) if interval else None
        try:
            await super().main_loop()
        finally:
            if pinger is not None:
                pinger.cancel()

    @staticmethod
    async def _ping(interval_s: float) -> None:
        while True:
            notify("WATCHDOG=1")
            await asyncio.sleep(interval_s)


def server_for(app: Any, log_level: str = "warning", tls: Tls | None = None, *,
               lifespan: str = "off", notify_systemd: bool = False) -> uvicorn.Server:
    # Central's lifespan runs its payment sweep; other apps (the simulator) have none.
    config = uvicorn.Config(app, log_level=log_level, access_log=False, lifespan=lifespan,
                            **(tls.options() if tls else {}))
    if tls:
        config.load()  # a bad certificate or key fails here, in one line, before serving
    install_masking(LOGGERS)
    journal_formatters(LOGGERS)  # under systemd: a syslog priority on each line
    return (NotifyingServer if notify_systemd else uvicorn.Server)(config)


def serve(sock: socket.socket, database_url: str, *, workers: int = 1, log_level: str = "warning",
          tls: Tls | None = None, **app_options: Any) -> None:
    """Serve on `sock` until told to stop. With several workers, each is a forked process with
    its own app and connection pool, all accepting on the same socket: request handling is
    Python, so one process uses one core."""
    if workers == 1:
        server_for(create_app(database_url, **app_options), log_level, tls, lifespan="on",
                   notify_systemd=True).run(sockets=[sock])
        return
    create_app(database_url, **app_options).state.engine.dispose()  # schema and settings, once
    children = []
    for _ in range(workers):
        pid = os.fork()
        if pid == 0:
            _die_with_parent()
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            server_for(create_app(database_url, **app_options), log_level, tls, lifespan="on",
                       notify_systemd=True).run(sockets=[sock])
            os._exit(0)
        children.append(pid)

    def stop_children(signum: int, _frame: Any) -> None:
        for child in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(child, signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop_children)
    signal.signal(signal.SIGINT, stop_children)
    os.waitpid(-1, 0)  # one worker ended (stopped, or died): stop the others too
    stop_children(signal.SIGTERM, None)
    for child in children:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(child, 0)


def _die_with_parent() -> None:
    """A worker must not outlive its parent, even one killed with SIGKILL."""
    with contextlib.suppress(OSError, AttributeError):
        PR_SET_PDEATHSIG = 1
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


class EmbeddedCentral:
    """Central on 127.0.0.1 in a daemon thread, e.g. `with EmbeddedCentral(url) as central:`."""

    def __init__(self, database_url: str, *, dev: bool = True, port: int = 0, public_url: str | None = None,
                 backoffice: Any = None, payment_provider_url: str | None = None, payment_key: bytes | None = None,
                 **app_options: Any):
        self.database_url = database_url
        # The provider simulator at this URL (its notify URL is this central's /api/v1/payments/notify).
        self.payment_provider_url = payment_provider_url
        self.payment_key = payment_key
        # More of create_app's options (payment_expiry_s, payment_sweep_s, rate_limits …).
        self.app_options = app_options
        self._payments: Any = None
        self.backoffice = backoffice  # None: the demo data set (central/demo_backoffice.py)
        self.dev = dev
        self.port = port
        self.public_url = public_url
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None

    @property
    def url(self) -> str:
        if self._socket is None:
            raise RuntimeError("central is not running")
        return f"http://127.0.0.1:{self._socket.getsockname()[1]}"

    @property
    def context(self) -> Any:
        """The running app's `central.context.Central` (engine, back office …): for tests and
        in-process callers such as an order book working on the same database."""
        if self._server is None:
            raise RuntimeError("central is not running")
        return self._server.config.app.state.central

    def start(self, timeout: float = 10.0) -> EmbeddedCentral:
        """Return once central accepts connections."""
        if self._thread is not None:
            raise RuntimeError("central already started")
        self._socket = bind_socket("127.0.0.1", self.port)
        if self.payment_provider_url:
            from central.payments.provider import SimulatorProvider
            from central.payments.simulator import DEFAULT_KEY

            self._payments = SimulatorProvider(self.payment_provider_url, self.payment_key or DEFAULT_KEY)
        app = create_app(self.database_url, dev=self.dev, public_url=self.public_url or self.url,
                         backoffice=self.backoffice, payments=self._payments, **self.app_options)
        self._server = server_for(app, lifespan="on")
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, name="central", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("embedded central did not start")
            time.sleep(0.01)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Return once central is gone: a graceful stop first; if connections keep it alive past
        `timeout`, uvicorn's forced exit, so that nothing is still answering when this returns."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive() and self._server is not None:
                self._server.force_exit = True
                self._thread.join(timeout)
            if self._thread.is_alive():
                raise RuntimeError(f"embedded central did not stop within {2 * timeout:g} s")
        if self._socket is not None:
            self._socket.close()
        if self._server is not None:
            engine = getattr(self._server.config.app.state, "engine", None)
            if engine is not None:
                engine.dispose()
        if self._payments is not None:
            self._payments.close()
        self._server = self._thread = self._socket = self._payments = None

    @property
    def notify_url(self) -> str:
        """Where a payment provider sends its notifications."""
        return f"{self.url}/api/v1/payments/notify"

    @property
    def app(self) -> Any:
        """The running FastAPI app (its state: engine, central, orders)."""
        if self._server is None:
            raise RuntimeError("central is not running")
        return self._server.config.app

    def __enter__(self) -> EmbeddedCentral:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
