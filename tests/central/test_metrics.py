"""/metrics of a real central after a real signed batch upload and heartbeat, and after a
staged rollout through a real signed repository."""

from __future__ import annotations

import httpx

from central import tuf_keys
from central.server import EmbeddedCentral
from central.tuf_repo import ConfigRepository
from common.rollout import make_plan
from kiosk.central_client import CentralClient


def test_metrics_count_records_and_kiosks_and_need_the_token(tmp_path):
    with EmbeddedCentral(str(tmp_path / "central.db"), metrics_token="scrape-me") as central:
        with CentralClient(central.url, "K-1", CentralClient.enrol(central.url, "K-1")) as client:
            client.post_batch([{"key": "k1", "kind": "rating", "created_at": 1.0,
                                "payload": {"service": "no_crime_record", "level": 5}},
                               {"key": "k2", "kind": "rating", "created_at": 1.0, "payload": {"level": 9}}])
            client.heartbeat({"operator_config": {"group": "north", "running": 1}})
        assert httpx.get(f"{central.url}/metrics").status_code == 401
        assert httpx.get(f"{central.url}/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
        text = httpx.get(f"{central.url}/metrics", headers={"Authorization": "Bearer scrape-me"}).text
    assert 'central_records_total{kind="rating",result="stored"} 1.0' in text
    assert 'central_records_total{kind="rating",result="rejected"} 1.0' in text
    assert "central_batches_total 1.0" in text
    assert 'central_kiosks{group="north",state="online"} 1.0' in text


def test_no_metrics_without_a_token(tmp_path):
    with EmbeddedCentral(str(tmp_path / "central.db")) as central:
        assert httpx.get(f"{central.url}/metrics").status_code == 404


def scrape(central) -> list[str]:
    text = httpx.get(f"{central.url}/metrics", headers={"Authorization": "Bearer scrape-me"}).text
    return [line for line in text.splitlines() if not line.startswith("#")]


def test_metrics_count_deployments_by_state_and_rejected_records_by_kind(tmp_path):
    tuf_keys.generate(tmp_path / "keys", root_keys=1)
    keys = tuf_keys.load(tmp_path / "keys")
    repo = ConfigRepository.init(tmp_path / "repo", keys)
    with EmbeddedCentral(str(tmp_path / "central.db"), metrics_token="scrape-me", tuf_repo=str(repo.path)) as central:
        fleet = {kiosk_id: CentralClient(central.url, kiosk_id, CentralClient.enrol(central.url, kiosk_id))
                 for kiosk_id in ("K-1", "K-2")}

        def report(kiosk_id: str, running: int) -> None:
            fleet[kiosk_id].heartbeat({"operator_config": {"group": "north", "running": running}})

        try:
            assert not [line for line in scrape(central) if line.startswith("central_deployments")]
            repo.publish("north", {"language": "zh"}, keys)  # everyone at once
            report("K-1", 1)
            report("K-2", 1)
            assert 'central_deployments{state="done"} 1.0' in scrape(central)
            repo.publish("north", {"language": "en"}, keys, rollout=make_plan(["K-1"], approve=True))
            report("K-1", 2)
            report("K-2", 1)
            deployments = [line for line in scrape(central) if line.startswith("central_deployments")]
            assert deployments == ['central_deployments{state="done"} 1.0',
                                   'central_deployments{state="waiting_approval"} 1.0']
            answers = fleet["K-1"].post_batch([
                {"key": "r1", "kind": "rating", "created_at": 1.0, "payload": {"service": "no_crime_record", "level": 4}},
                {"key": "r2", "kind": "rating", "created_at": 1.0, "payload": {"level": 9}},
                {"key": "v1", "kind": "visit", "created_at": 1.0, "payload": {"outcome": "completed"}}])
            assert [a["status"] for a in answers] == ["stored", "rejected", "stored"]
        finally:
            for client in fleet.values():
                client.close()
        rejected = [line for line in scrape(central) if line.startswith("central_rejected_records_total")]
    assert rejected == ['central_rejected_records_total{kind="rating"} 1.0']
