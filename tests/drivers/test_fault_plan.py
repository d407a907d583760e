"""The emulators' shared fault plan."""

from __future__ import annotations

import pytest

from drivers.emulation.control import ControlError
from drivers.emulation.faults import FaultPlan


def test_a_limited_fault_clears_itself_and_a_plain_one_stays():
    plan = FaultPlan({"no_answer", "bad_checksum", "unplugged"})
    plan.set("no_answer", times=2)
    plan.set("bad_checksum")
    assert [plan.take("no_answer") for _ in range(3)] == [True, True, False]
    assert all(plan.take("bad_checksum") for _ in range(5))
    plan.clear("bad_checksum")
    assert not plan.take("bad_checksum")


def test_unplugged_is_sticky_whatever_times_says():
    plan = FaultPlan({"unplugged"})
    plan.set("unplugged", times=1)
    assert plan.take("unplugged") and plan.take("unplugged") and plan.active("unplugged")
    assert plan.describe() == {"unplugged": "sticky"}
    plan.clear()
    assert plan.describe() == {}


@pytest.mark.parametrize("kind, times", [("melted", None), ("no_answer", 0), ("no_answer", True), ("no_answer", "2")])
def test_unknown_kinds_and_bad_counts_are_refused(kind, times):
    with pytest.raises(ControlError):
        FaultPlan({"no_answer"}).set(kind, times)
