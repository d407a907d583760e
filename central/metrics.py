"""/metrics in the Prometheus text format, with a registry of the app's own (not the global one).

Counters are kept as batches arrive; the fleet figures are computed at each scrape. Like every
page but the citizens' certificate check, /metrics is not anonymous: it is served only when
central is given a token, and only to a scraper that sends it as `Authorization: Bearer`.
"""

from __future__ import annotations

import hmac
import re
import time
from collections import Counter as Tally
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, generate_latest
from prometheus_client.core import GaugeMetricFamily

from central.fleet_state import deployments_overview, kiosk_rows

_KIND = re.compile(r"^[a-z][a-z0-9_.-]{0,39}$")


class FleetCollector:
    def __init__(self, app: FastAPI):
        self.app = app

    def collect(self) -> Any:
        kiosks = GaugeMetricFamily("central_kiosks", "Enrolled kiosks by group and state (online, offline, never)",
                                   labels=["group", "state"])
        with self.app.state.engine.begin() as conn:
            rows = kiosk_rows(conn, self.app.state.presence_rules, now=time.time())
            deployments = deployments_overview(conn) or []
        for (group, state), count in sorted(Tally((r["group"], r["state"]) for r in rows).items()):
            kiosks.add_metric([group, state], count)
        yield kiosks
        states = GaugeMetricFamily("central_deployments", "Deployments by state", labels=["state"])
        for state, count in sorted(Tally(str(d.get("state", "unknown")) for d in deployments).items()):
            states.add_metric([state], count)
        yield states


class Metrics:
    def __init__(self, app: FastAPI):
        self.registry = CollectorRegistry(auto_describe=False)
        self.records = Counter("central_records", "Records received, by kind and result (stored, duplicate, "
                               "rejected)", ["kind", "result"], registry=self.registry)
        self.batches = Counter("central_batches", "Record batches accepted", registry=self.registry)
        self.rejections = Counter("central_rejected_records", "Records rejected, by kind", ["kind"],
                                  registry=self.registry)
        self.registry.register(FleetCollector(app))

    def batch(self, items: list[dict[str, Any]], results: list[Any]) -> None:
        self.batches.inc()
        for item, result in zip(items, results):
            kind = item.get("kind") if isinstance(item.get("kind"), str) and _KIND.match(item["kind"]) else "invalid"
            self.records.labels(kind, result.status).inc()
            if result.status == "rejected":
                self.rejections.labels(kind).inc()


def mount(app: FastAPI, token: str | None) -> Metrics:
    metrics = Metrics(app)
    if token:
        expected = f"Bearer {token}".encode()

        @app.get("/metrics", include_in_schema=False)
        def scrape(request: Request) -> Response:
            given = request.headers.get("authorization", "").encode()
            if not hmac.compare_digest(given, expected):
                raise HTTPException(401, "a bearer token is required", headers={"WWW-Authenticate": "Bearer"})
            return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)
    return metrics
