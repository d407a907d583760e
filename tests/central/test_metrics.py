"""/metrics of a real central after a real signed batch upload and heartbeat."""

from __future__ import annotations

import httpx

from central.server import EmbeddedCentral
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
