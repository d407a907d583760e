"""What every fingerprint backend offers, and what identity verification relies on.

A template is the module's feature file for one finger (bytes; the AS608 character file is
512 bytes). It is personal data: callers keep it in memory only, for as long as the visit needs
it, and never log it.

    capture(timeout_s) -> bytes          wait for a finger, return its template
    verify(template, timeout_s)          a live finger against a template -> MatchResult
    verify_any(templates, timeout_s)     one press against several (the fingers recorded at
                                         application) -> MatchResult with the index that matched
    match(template_a, template_b)        two templates, compared by the module -> MatchResult
    search(timeout_s)                    a live finger against the module's library -> SearchResult
    enroll(page, timeout_s, on_lift)     two presses of one finger, stored in a library page
    status()                             never raises

"No match" is a result (`matched=False`), not an exception. Errors are the typed ones of
drivers/base.py: NoMedia when no finger came within the time, DeviceUserError with a reason the
screen can show (wet, dry, press flat), HardwareFault, DeviceTimeout, ProtocolError, NotPresent.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass
from typing import Callable, ClassVar, Sequence

from drivers.base import Device


@dataclass(frozen=True)
class MatchResult:
    matched: bool
    score: int  # the module's similarity score; 0 when nothing matched
    template: int | None = None  # verify_any: which of the templates matched


@dataclass(frozen=True)
class SearchResult:
    found: bool
    page: int | None  # the library page that matched
    score: int


class FingerprintReader(Device):
    device_class: ClassVar[str] = "fingerprint"

    @abc.abstractmethod
    def capture(self, timeout_s: float = 10.0) -> bytes:
        """Wait up to `timeout_s` for a finger and return its template."""

    @abc.abstractmethod
    def verify(self, template: bytes, timeout_s: float = 10.0) -> MatchResult:
        """Wait for a finger and compare it with `template` (from the card or an enrolment)."""

    def verify_any(self, templates: Sequence[bytes], timeout_s: float = 10.0) -> MatchResult:
        """Wait for a finger and compare it with each template in turn; the first match wins.
        This fallback takes one press per template; backends that can keep the live finger's
        features (AS608: buffer 1) compare one press with all of them."""
        for index, template in enumerate(_some(templates)):
            result = self.verify(template, timeout_s)
            if result.matched:
                return MatchResult(True, result.score, index)
        return MatchResult(False, 0)

    @abc.abstractmethod
    def match(self, template_a: bytes, template_b: bytes) -> MatchResult:
        """Compare two templates on the module."""

    @abc.abstractmethod
    def search(self, timeout_s: float = 10.0) -> SearchResult:
        """Wait for a finger and look it up in the module's template library."""

    @abc.abstractmethod
    def enroll(self, page: int, timeout_s: float = 10.0,
               on_lift: Callable[[], None] | None = None) -> None:
        """Two presses of the same finger make one template, stored in library `page`.
        `on_lift` is called when the citizen should lift the finger and press it again."""


def _some(templates: Sequence[bytes]) -> Sequence[bytes]:
    if not templates:
        raise ValueError("no template to compare the finger with")
    return templates
