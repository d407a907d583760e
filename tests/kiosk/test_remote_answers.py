"""The kiosk's side of support's requests against a real central through a fault-injecting proxy:
what a heartbeat's answer may hold that is not a request, central failing as the answer goes
up (the request is judged afresh when a later heartbeat brings it back), and a request central
no longer takes (never sent again). The screen is a stand-in callable here, as the screens
register one; tests/e2e/test_remote_screenshot.py grabs the real window."""

from __future__ import annotations

import pytest

from central import remote
from central.db import create_engine_for
from kiosk.audit import AuditTrail
from kiosk.central_client import CentralClient
from kiosk.remote import RemoteSupport
from offline_queue.outbox import Outbox
from support.fault_proxy import FaultProxy

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
def parts(central, tmp_path):
    secret = CentralClient.enrol(central.url, "K-1")
    outbox = Outbox(tmp_path / "outbox.db", tmp_path / "outbox.key")
    with FaultProxy(int(central.url.rsplit(":", 1)[1])) as proxy, \
            CentralClient(proxy.url, "K-1", secret) as client:
        audit = AuditTrail(tmp_path / "audit.log", outbox, "K-1")
        support = RemoteSupport(central=client, audit=audit, idle=lambda: True,
                                write_bundle=lambda path: path, work_dir=tmp_path / "remote")
        support.capture = lambda still_idle: PNG if still_idle() else None
        engine = create_engine_for(central.database_url)
        yield support, client, proxy, engine, audit
        engine.dispose()
    outbox.close()


def steps(audit) -> list[tuple[str, str | None]]:
    return [(e["outcome"], e["detail"].get("reason")) for e in audit.entries()]


def test_what_is_not_a_request_is_left_alone(parts):
    support, _client, _proxy, _engine, audit = parts
    assert not support.heard([None, "screenshot", {"id": "../../etc"}, {"kind": "screenshot"}])
    assert not support.heard({"id": "0" * 32})
    assert support.heard([{"id": "a" * 32, "kind": "screenshot", "by": "<script>"}])
    assert [(e["actor"], e["outcome"]) for e in audit.entries()] == [("support", "received")]


def test_central_failing_as_the_answer_goes_up_brings_the_request_back_later(parts):
    support, client, proxy, engine, audit = parts
    with engine.begin() as conn:
        request_id = remote.request(conn, "K-1", "screenshot", "sue")
    assert support.heard(client.heartbeat({})["remote_requests"])
    proxy.plan.append("error500")  # the upload
    support.work()
    assert not support.pending()
    assert steps(audit) == [("received", None), ("failed", "central_unavailable")]
    assert support.heard(client.heartbeat({})["remote_requests"])  # still open at central: told again
    support.work()
    assert steps(audit)[2:] == [("received", None), ("done", None)]
    with engine.begin() as conn:
        assert remote.content(conn, "K-1", request_id)[2] == PNG
    assert "remote_requests" not in client.heartbeat({})
    assert not support.heard([{"id": request_id, "kind": "screenshot", "by": "sue"}])  # done here: not again


def test_a_request_central_no_longer_takes_is_not_sent_again(parts):
    support, client, _proxy, engine, audit = parts
    with engine.begin() as conn:
        request_id = remote.request(conn, "K-1", "screenshot", "sue")
    told = client.heartbeat({})["remote_requests"]
    with engine.begin() as conn:  # answered meanwhile (say, by an earlier run of the kiosk)
        remote.answer(conn, "K-1", request_id, refused="visit_in_progress")
    support.heard(told)
    support.work()
    assert steps(audit) == [("received", None), ("failed", "central_409")]
    assert not support.pending() and not support.heard(told)
