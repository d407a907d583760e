"""Late fees on traffic fines: 3 % per day after day 15, floor to the fen, never above the fine."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from common.fees import Due, due, late_days, late_fee_fen, total_due
from common.money import require_fen, yuan

fines = st.integers(min_value=0, max_value=10**9)
days = st.integers(min_value=0, max_value=10_000)


@pytest.mark.parametrize("fine, day, fee", [
    (20_000, 0, 0), (20_000, 15, 0), (20_000, 16, 600), (20_000, 17, 1_200),
    (20_000, 48, 19_800), (20_000, 49, 20_000), (20_000, 400, 20_000),
    (5_000, 16, 150), (333, 16, 9), (1, 16, 0), (1, 49, 1), (0, 100, 0),
])
def test_worked_examples(fine, day, fee):
    # 200 yuan, paid on day 16: 6 yuan; day 49 is the 34th late day, 102 % → capped at the fine.
    # 3.33 yuan on day 16: 9.99 fen → 9 fen (rounded down, the fraction stays with the citizen)
    assert late_fee_fen(fine, day) == fee


@given(fines, days)
def test_never_negative_never_above_the_fine(fine, day):
    assert 0 <= late_fee_fen(fine, day) <= fine


@given(fines, days)
def test_exact_integer_formula_rounded_down(fine, day):
    late = max(0, day - 15)
    fee = late_fee_fen(fine, day)
    assert fee == min(fine, (fine * 3 * late) // 100)
    if fee < fine:
        assert fee * 100 <= fine * 3 * late < (fee + 1) * 100


@given(fines, days, days)
def test_monotone_in_days(fine, a, b):
    low, high = sorted((a, b))
    assert late_fee_fen(fine, low) <= late_fee_fen(fine, high)


@given(fines)
def test_boundaries_day_15_and_16(fine):
    assert late_fee_fen(fine, 15) == 0
    assert late_fee_fen(fine, 16) == fine * 3 // 100
    assert late_days(15) == 0 and late_days(16) == 1


@given(fines)
def test_capped_once_34_late_days_pass(fine):
    # 33 late days are 99 %, 34 are 102 %: from day 49 the late fee is the fine itself
    assert late_fee_fen(fine, 48) == fine * 99 // 100
    assert late_fee_fen(fine, 49) == fine


@given(st.lists(st.tuples(fines, days), max_size=20))
def test_total_is_the_sum_of_each_fine_with_its_own_cap(items):
    total = total_due(items)
    assert total.fine_fen == sum(fine for fine, _ in items)
    assert total.late_fee_fen == sum(late_fee_fen(fine, day) for fine, day in items)
    assert 0 <= total.late_fee_fen <= total.fine_fen
    assert total.total_fen == total.fine_fen + total.late_fee_fen


def test_total_of_two_fines():
    assert total_due([(20_000, 16), (5_000, 10)]) == Due(25_000, 600)
    assert due(20_000, 16).total_fen == 20_600
    assert total_due([]) == Due(0, 0)


@pytest.mark.parametrize("bad", [200.0, 0.5, True, False, "200", None, -1])
def test_fine_must_be_whole_fen(bad):
    with pytest.raises(ValueError, match="fine_fen"):
        late_fee_fen(bad, 20)


@pytest.mark.parametrize("bad", [16.0, True, -1, "16"])
def test_days_must_be_a_whole_count(bad):
    with pytest.raises(ValueError, match="days_since_served"):
        late_fee_fen(20_000, bad)


def test_require_fen_and_yuan():
    assert require_fen(0) == 0
    with pytest.raises(ValueError, match="positive"):
        require_fen(0, positive=True)
    with pytest.raises(ValueError, match="not float 1.5"):
        require_fen(1.5)
    assert yuan(1230) == "¥12.30" and yuan(5) == "¥0.05"
