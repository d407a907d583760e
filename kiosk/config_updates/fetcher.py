"""tuf.ngclient's downloads, signed as this kiosk: central serves its repository to enrolled
kiosks only (central/tuf_serve.py), so each GET carries the kiosk API's signature headers."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
from tuf.api import exceptions as tuf_errors
from tuf.ngclient import FetcherInterface

from kiosk.central_client import KioskSignature

TIMEOUT_S = 30.0  # a target is a few kilobytes; this is for a slow link, not a large file


class SignedFetcher(FetcherInterface):
    def __init__(self, auth: KioskSignature, *, verify=True, timeout_s: float = TIMEOUT_S):
        self._http = httpx.Client(auth=auth, verify=verify, timeout=timeout_s)

    def _fetch(self, url: str) -> Iterator[bytes]:
        with self._http.stream("GET", url) as answer:
            if answer.status_code != 200:
                raise tuf_errors.DownloadHTTPError(f"{url}: HTTP {answer.status_code}", answer.status_code)
            yield from answer.iter_bytes()

    def close(self) -> None:
        self._http.close()
