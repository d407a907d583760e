"""Whatever a kiosk sends in a batch, central answers each item and never fails as a whole."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from central.server import EmbeddedCentral
from kiosk.central_client import CentralClient

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**53, 2**53) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
items = st.fixed_dictionaries(
    {},
    optional={
        "key": st.text(max_size=210) | json_values,
        "kind": st.sampled_from(["visit", "rating", "Visit", "", "x" * 41]) | json_values,
        "created_at": st.floats(allow_nan=False, allow_infinity=False) | json_values,
        "payload": st.dictionaries(st.text(max_size=8), json_values, max_size=4) | json_values,
    },
)


@pytest.fixture(scope="module")
def client(tmp_path_factory) -> Iterator[CentralClient]:
    database = f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'central.db'}"
    with EmbeddedCentral(database) as central:
        with CentralClient(central.url, "K-FUZZ", CentralClient.enrol(central.url, "K-FUZZ")) as c:
            yield c


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batch=st.lists(items, max_size=6))
def test_every_item_gets_its_own_answer(client, batch):
    answers = client.post_batch(batch)
    assert len(answers) == len(batch)
    for item, answer in zip(batch, answers, strict=True):
        assert answer["status"] in ("stored", "duplicate", "rejected")
        if answer["status"] == "rejected":
            assert answer["reason"]
        else:
            assert answer["key"] == item["key"]
