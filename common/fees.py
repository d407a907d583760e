"""Late fees on traffic fines (加处罚款), in integer fen.

The law: 当事人到期不缴纳罚款的，每日按罚款数额的百分之三加处罚款，加处罚款的数额不得超出罚款
数额 (Administrative Penalty Law art. 72; Administrative Compulsion Law art. 45). The fine is due
within 15 days of the decision being served; each day after that adds 3 % of the fine, and the
late fee never exceeds the fine itself, so at most the citizen owes twice the fine.

Rounding: the late fee is rounded DOWN to the whole fen (floor of fine × 3 × days / 100). A kiosk
must never charge more than the law sets, so any fraction of a fen goes to the citizen.

Here in `common/` because the kiosk shows the amount before the citizen pays and central charges
it: both must get the same figure from the same function (as with common/signing.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from common.money import require_fen

DEADLINE_DAYS = 15
PERCENT_PER_DAY = 3


def late_days(days_since_served: int, deadline_days: int = DEADLINE_DAYS) -> int:
    """Days that draw a late fee: 0 up to and including day 15, 1 on day 16, and so on."""
    if isinstance(days_since_served, bool) or not isinstance(days_since_served, int) or days_since_served < 0:
        raise ValueError(f"days_since_served must be a whole number of days, not {days_since_served!r}")
    return max(0, days_since_served - deadline_days)


def late_fee_fen(fine_fen: int, days_since_served: int, deadline_days: int = DEADLINE_DAYS) -> int:
    """The late fee on `fine_fen` when paid `days_since_served` days after the decision."""
    require_fen(fine_fen, "fine_fen")
    fee = fine_fen * PERCENT_PER_DAY * late_days(days_since_served, deadline_days) // 100
    return min(fee, fine_fen)


@dataclass(frozen=True)
class Due:
    fine_fen: int
    late_fee_fen: int

    @property
    def total_fen(self) -> int:
        return self.fine_fen + self.late_fee_fen


def due(fine_fen: int, days_since_served: int, deadline_days: int = DEADLINE_DAYS) -> Due:
    return Due(fine_fen, late_fee_fen(fine_fen, days_since_served, deadline_days))


def total_due(items: Iterable[tuple[int, int]], deadline_days: int = DEADLINE_DAYS) -> Due:
    """Several fines paid at once, each (fine_fen, days_since_served): the late fee is worked out
    (and capped) per fine, then summed; capping the sum would let one fine's cap hide another's."""
    fines = fees = 0
    for fine_fen, days in items:
        one = due(fine_fen, days, deadline_days)
        fines += one.fine_fen
        fees += one.late_fee_fen
    return Due(fines, fees)
