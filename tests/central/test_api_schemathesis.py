"""The whole API from its OpenAPI document (schemathesis), against a real central on loopback,
on SQLite and PostgreSQL, every request signed as a kiosk's: no answer is a 500, and no answer
holds a personal value that was sent (an ID number, a name, an address)."""

from __future__ import annotations

import collections
import json
import re
import time
from urllib.parse import unquote, urlsplit

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings

from central.payments.simulator import ProviderSimulator
from central.ratelimit import RateLimits
from central.server import EmbeddedCentral
from common.signing import sign
from kiosk.central_client import CentralClient

PERSONAL = ("id_number", "name", "address")
_ID_LIKE = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])")


class KioskAuth(requests.auth.AuthBase):
    """Signs a request as common/signing.py says, the path as central sees it (decoded)."""

    def __init__(self, kiosk_id: str, secret: bytes):
        self.kiosk_id, self.secret = kiosk_id, secret
        self.count = 0

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        self.count += 1
        parts = urlsplit(request.url)
        body = request.body or b""
        body = body.encode() if isinstance(body, str) else body
        timestamp, nonce = str(int(time.time())), f"{self.count:032x}"
        request.headers.update({
            "X-Kiosk-Id": self.kiosk_id, "X-Timestamp": timestamp, "X-Nonce": nonce,
            "X-Signature": sign(self.secret, request.method, unquote(parts.path), timestamp, nonce, body, parts.query),
        })
        return request


@pytest.fixture
def api(central_db):
    """Central with its payment routes live: the provider simulator beside it (else they answer 503)."""
    unlimited = RateLimits(per_source=None, per_kiosk=None, auth_failures_per_source=None)
    with ProviderSimulator() as provider, EmbeddedCentral(central_db, rate_limits=unlimited,
                                                          payment_provider_url=provider.url) as server:
        provider.notify_to(f"{server.url}/api/v1/payments/notify")
        auth = KioskAuth("K-FUZZ", CentralClient.enrol(server.url, "K-FUZZ"))
        yield schemathesis.openapi.from_url(f"{server.url}/openapi.json"), auth, server.url


def _personal_values(value, found: set[str]) -> set[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key in PERSONAL and isinstance(item, str) and len(item.strip()) >= 4:
                found.add(item)
            _personal_values(item, found)
    elif isinstance(value, list):
        for item in value:
            _personal_values(item, found)
    return found


def test_no_500_and_no_personal_value_in_any_answer(api):
    schema, auth, base_url = api
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 7  # enrol, batch, heartbeat, health, the services, verify
    statuses: dict[str, collections.Counter] = {}
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=40, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def one(case):
            response = case.call(base_url=base_url, auth=auth, timeout=30)
            where = (case.method, case.formatted_path, response.status_code, response.text[:300])
            statuses.setdefault(operation.path, collections.Counter())[response.status_code] += 1
            assert response.status_code < 500, where
            answer = response.text
            for value in _personal_values(case.body if isinstance(case.body, (dict, list)) else None, set()):
                assert value not in answer and json.dumps(value)[1:-1] not in answer, (where, value)
            assert not _ID_LIKE.search(answer), where

        one()
    # The signatures hold: every operation was answered past authentication, not only 401.
    assert all(set(counts) - {401} for counts in statuses.values()), statuses
