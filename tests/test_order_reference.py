"""The short reference of a payment order: one rule (common/orders.py) that the kiosk prints and
central stores and finds orders by."""

import pytest

from common.orders import reference


@pytest.mark.parametrize("order_id, expected", [
    ("K-1-20261202-3f2a9c01b4e7:pay", "3F2A9C01B4E7"),
    ("demo-0001-20261202-abcdef012345:pay", "ABCDEF012345"),
    ("plain:pay", "PLAIN"),
    ("K-1-20261202-3f2a9c01b4e7", "3F2A9C01B4E7"),
])
def test_the_reference_is_the_visit_ids_last_part_upper_cased(order_id, expected):
    assert reference(order_id) == expected


def test_the_kiosk_uses_the_same_rule():
    from kiosk import payments

    assert payments.reference is reference
