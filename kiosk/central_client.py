"""The kiosk's HTTP client for the central backend.

Every request is signed with the kiosk's secret (see `common.signing`), so central knows which kiosk
speaks and refuses replays. Failures fall in two kinds the callers act on differently:
`CentralUnavailable` (try again later) and `CentralRejected` (will not succeed as sent).
Payloads are never logged: they carry ID numbers and names.

TLS options ride in the configured URL, as device options do:
`https://central.example:8700?ca=/etc/police-kiosk/central-ca.pem` trusts only that CA bundle
for central (not the system's), and `&cert=kiosk.pem&key=kiosk.key` presents a client
certificate for a central that requires one. Without `ca` the system's CAs are used.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import ssl
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from common.signing import sign

if TYPE_CHECKING:  # httpx is imported on first use, off the start-up path (see CentralClient)
    import httpx

log = logging.getLogger(__name__)

API = "/api/v1"
# Statuses that say "not now" rather than "never": request timeout, too many requests.
RETRYABLE_4XX = {408, 425, 429}
# A service id or operation is one path segment: lower-case letters, digits and underscores.
_SEGMENT = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_REQUEST_ID = re.compile(r"^[0-9a-f]{32}$")  # support's requests (central/remote.py)
UPLOAD_TIMEOUT_S = 60.0  # a 5 MiB bundle on a slow site link; the usual timeout is for small JSON


class CentralUnavailable(Exception):
    """Central cannot be reached or failed on its side (refused, reset, timeout, 5xx); `status`
    is its HTTP status when it answered."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


class CentralRejected(Exception):
    """Central refused the request as sent (4xx); sending it again unchanged will not help."""

    def __init__(self, status: int, reason: str):
        super().__init__(f"central rejected the request: {status} {reason}")
        self.status = status
        self.reason = reason


class KioskSignature:
    """Adds X-Kiosk-Id, X-Timestamp, X-Nonce and X-Signature to each request: an httpx `auth=`
    callable (the kiosk's bodies are bytes, read before it is called), not an httpx.Auth
    subclass, so that importing this module does not import httpx."""

    def __init__(self, kiosk_id: str, secret: bytes, clock: Callable[[], float] = time.time):
        self._kiosk_id = kiosk_id
        self._secret = secret
        self._clock = clock

    def __call__(self, request: httpx.Request) -> httpx.Request:
        timestamp = str(int(self._clock()))
        nonce = secrets.token_hex(16)
        request.headers["X-Kiosk-Id"] = self._kiosk_id
        request.headers["X-Timestamp"] = timestamp
        request.headers["X-Nonce"] = nonce
        request.headers["X-Signature"] = sign(
            self._secret, request.method, request.url.path, timestamp, nonce, request.content,
            request.url.query.decode("latin-1"),
        )
        return request


PAYMENT_OPERATIONS = ("orders", "status", "cancel", "refund")


def connection_options(url: str) -> tuple[str, ssl.SSLContext | bool]:
    """The base URL without its TLS options, and what httpx verifies central with."""
    parts = urlsplit(url)
    options = dict(parse_qsl(parts.query))
    unknown = set(options) - {"ca", "cert", "key"}
    if unknown:
        raise ValueError(f"central URL: unknown option(s) {', '.join(sorted(unknown))} (ca, cert, key)")
    base = urlunsplit((parts.scheme, parts.netloc, parts.path, "", "")).rstrip("/")
    if not options:
        return base, True
    if parts.scheme != "https":
        raise ValueError("central URL: ca, cert and key are for an https:// URL")
    if ("cert" in options) != ("key" in options):
        raise ValueError("central URL: cert and key go together")
    try:
        context = ssl.create_default_context(cafile=options.get("ca"))
        if "cert" in options:
            context.load_cert_chain(options["cert"], options["key"])
    except (OSError, ssl.SSLError) as exc:
        raise ValueError(f"central URL: cannot load its TLS files: {exc}") from None
    return base, context


class CentralClient:
    def __init__(self, base_url: str, kiosk_id: str, secret: bytes, *, timeout: float = 5.0):
        self.base_url, verify = connection_options(base_url)
        self.kiosk_id = kiosk_id
        self._client_options = dict(verify=verify, base_url=self.base_url, auth=KioskSignature(kiosk_id, secret),
                                    timeout=timeout, headers={"User-Agent": f"police-kiosk/{kiosk_id}"})
        self._client: httpx.Client | None = None
        self._client_lock = threading.Lock()

    @property
    def _http(self) -> httpx.Client:
        # Made on first use, off the GUI thread: building it loads the CA bundle (~20 ms),
        # time the attract screen need not wait for.
        with self._client_lock:
            if self._client is None:
                import httpx

                self._client = httpx.Client(**self._client_options)
            return self._client

    @staticmethod
    def enrol(base_url: str, kiosk_id: str, *, timeout: float = 5.0) -> bytes:
        """Dev-mode self-enrolment: central issues (or re-issues) this kiosk's secret."""
        import httpx

        base, verify = connection_options(base_url)
        with httpx.Client(base_url=base, verify=verify, timeout=timeout) as http:
            answer = _call(http, "POST", f"{API}/enrol", {"kiosk_id": kiosk_id})
        return bytes.fromhex(answer["secret"])

    def post_batch(self, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Send outbox items; one answer per item: stored, duplicate or rejected (+ reason)."""
        answer = _call(self._http, "POST", f"{API}/records/batch", {"items": items})
        results = answer.get("results")
        if not isinstance(results, list):
            raise CentralUnavailable("central answered the batch without per-item results")
        return results

    def call(self, service_id: str, operation: str, payload: dict[str, Any]) -> dict[str, Any]:
        """One operation of one service on central: POST /api/v1/services/{service_id}/{operation}.

        Signed like every request; JSON in, a JSON object out. Raises CentralUnavailable (try
        later) or CentralRejected (status, reason) as every call does. Operations that create
        something (apply, reprint) are idempotent per the payload's visit_id, so a resend after
        a lost answer gets the same answer.
        """
        for label, segment in (("service id", service_id), ("operation", operation)):
            if not isinstance(segment, str) or not _SEGMENT.match(segment):
                raise ValueError(f"{label} must be lower-case letters, digits and '_' (1-40), got {segment!r}")
        return _call(self._http, "POST", f"{API}/services/{service_id}/{operation}", payload)

    def payment(self, operation: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Central's order book: POST /api/v1/payments/{orders|status|cancel|refund}. Every one
        is idempotent per the payload's order_id (docs/payments.md)."""
        if operation not in PAYMENT_OPERATIONS:
            raise ValueError(f"no payment operation {operation!r}")
        return _call(self._http, "POST", f"{API}/payments/{operation}", payload)

    def heartbeat(self, status: dict[str, Any]) -> dict[str, Any]:
        return _call(self._http, "POST", f"{API}/heartbeat", {"status": status})

    def remote_result(self, request_id: str, content_type: str, content: bytes) -> dict[str, Any]:
        """Support's screenshot (image/png) or bundle (application/gzip) for central's request
        `request_id` (the heartbeat's answer told it), as the raw body."""
        return _send(self._http, "POST", f"{API}/remote/{_request_id(request_id)}/result", content, content_type,
                     timeout=UPLOAD_TIMEOUT_S)

    def remote_refused(self, request_id: str, reason: str) -> dict[str, Any]:
        """Why support's request `request_id` was not done (a message code: visit_in_progress …)."""
        return _call(self._http, "POST", f"{API}/remote/{_request_id(request_id)}/refused", {"reason": reason})

    def ping(self) -> bool:
        """True if central answers its health check; never raises."""
        import httpx

        try:
            return self._http.get(f"{API}/health", auth=None).status_code == 200
        except httpx.HTTPError:
            return False

    def close(self) -> None:
        with self._client_lock:
            if self._client is not None:
                self._client.close()

    def __enter__(self) -> CentralClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _request_id(value: str) -> str:
    if not isinstance(value, str) or not _REQUEST_ID.match(value):
        raise ValueError(f"a request id is 32 hex digits, got {value!r}")
    return value


def _call(http: httpx.Client, method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    content = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    return _send(http, method, path, content, "application/json")


def _send(http: httpx.Client, method: str, path: str, content: bytes, content_type: str, *,
          timeout: float | None = None) -> dict[str, Any]:
    import httpx

    options: dict[str, Any] = {} if timeout is None else {"timeout": timeout}
    try:
        response = http.request(method, path, content=content, headers={"Content-Type": content_type}, **options)
    except httpx.TimeoutException as exc:
        raise CentralUnavailable(f"central timed out ({type(exc).__name__})") from None
    except httpx.TransportError as exc:
        raise CentralUnavailable(f"central unreachable: {type(exc).__name__}: {exc}") from None
    status = response.status_code
    if status >= 500 or status in RETRYABLE_4XX:
        raise CentralUnavailable(f"central answered {status} {response.reason_phrase}", status)
    if status >= 400:
        raise CentralRejected(status, _error_detail(response))
    try:
        answer = response.json()
    except ValueError:
        raise CentralUnavailable(f"central answered {status} with a body that is not JSON") from None
    if not isinstance(answer, dict):
        raise CentralUnavailable(f"central answered {status} with an unexpected body")
    return answer


def _error_detail(response: httpx.Response) -> str:
    try:
        detail = response.json().get("detail")
    except (ValueError, AttributeError):
        detail = None
    if isinstance(detail, str):
        return detail
    return response.reason_phrase or "rejected"
