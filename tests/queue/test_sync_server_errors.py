"""One item that keeps making central fail (a 500, say a back-office bug for one applicant)
cannot stall the queue: the worker splits the batch, sets the item aside while the rest is
delivered, and dead-letters it only once central has shown it takes other items. A central
that fails for everything dead-letters nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from central.demo_backoffice import DemoBackOffice
from central.server import EmbeddedCentral
from kiosk.central_client import CentralClient
from offline_queue.sync import SyncWorker

POISON = "11010519491231002X"
GOOD = "110101199003070011"  # any valid number without a record


class FailsFor(DemoBackOffice):
    """A back office with a bug: it raises for some applicants."""

    def __init__(self, failing: str | None):
        self.failing = failing

    def check_no_criminal_record(self, applicant, purpose):
        if self.failing is None or applicant.id_number == self.failing:
            raise RuntimeError("back office fell over")
        return super().check_no_criminal_record(applicant, purpose)


def _offline(key: str, id_number: str) -> dict:
    return {"visit_id": key, "service": "no_criminal_record", "outcome": "completed",
            "choices": {"purpose": "employment"}, "document_printed": False,
            "result": {"outcome": "accepted_offline", "reference": f"SQ20261202{key[-8:].upper():0>8}"},
            "applicant": {"id_number": id_number, "name": "张三"}}


@pytest.fixture
def central_failing(request, tmp_path) -> Iterator[CentralClient]:
    backoffice = FailsFor(request.param)
    with EmbeddedCentral(f"sqlite:///{tmp_path / 'central.db'}", backoffice=backoffice) as server:
        with CentralClient(server.url, "K-1", CentralClient.enrol(server.url, "K-1")) as client:
            yield client


@pytest.mark.parametrize("central_failing", [POISON], indirect=True)
def test_an_item_failing_with_500_is_set_aside_and_dead_lettered(outbox, central_failing, clock):
    for i in range(6):
        outbox.enqueue("visit", f"v-{i:08d}", _offline(f"v-{i:08d}", GOOD))
    outbox.enqueue("visit", "v-poison0", _offline("v-poison0", POISON))
    for i in range(6, 12):
        outbox.enqueue("visit", f"v-{i:08d}", _offline(f"v-{i:08d}", GOOD))
    worker = SyncWorker(outbox, central_failing, batch_size=8, clock=clock, jitter=lambda: 1.0)
    for _ in range(80):
        worker.sync_once(force=True)
        if outbox.stats()["pending"] == 0:
            break
    stats = outbox.stats()
    assert (stats["delivered"], stats["dead"], stats["pending"]) == (12, 1, 0), stats
    [letter] = outbox.dead_letters()
    assert letter["key"] == "v-poison0" and letter["reason"].startswith("500")
    assert POISON not in letter["reason"]


@pytest.mark.parametrize("central_failing", [None], indirect=True)
def test_a_central_failing_for_everything_dead_letters_nothing(outbox, central_failing, clock):
    for i in range(5):
        outbox.enqueue("visit", f"v-{i:08d}", _offline(f"v-{i:08d}", GOOD))
    worker = SyncWorker(outbox, central_failing, batch_size=4, clock=clock, jitter=lambda: 1.0)
    for _ in range(30):
        worker.sync_once(force=True)
    assert outbox.stats()["pending"] == 5 and outbox.dead_letters() == []
    assert not worker.state.online or worker.state.consecutive_failures > 0
