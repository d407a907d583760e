"""What a paid service tells central's order book: what the citizen owes, and how to deliver.

A paid service's central module (central/services/<id>.py) defines `PAYABLE = Payable(...)`.
Central's order book (central/payments/orders.py) calls `price` when a kiosk opens an order and
`fulfil` once the provider says the order is paid; it never trusts an amount sent by a kiosk.

    price(central, conn, kiosk_id, body) -> Priced
        What is owed for this request, from central's own records and fee tables. Raises
        HTTPException 409/422 with a message code when nothing can be paid (already paid,
        not payable, not eligible). `body` is the service's order request (a dict).
    fulfil(central, conn, order) -> dict
        Deliver what was paid for (the back office marks the fines paid, issues the
        endorsement) and return the result the kiosk prints. Called at most once per paid
        order, inside the transaction that marks it delivered. Raises `Undeliverable` when the
        back office refuses: the order book then refunds the whole amount.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Line:
    """One line of what is paid for: a fine with its late fee, an endorsement."""

    label: str  # Chinese, shown on the QR screen and the receipt (no personal data)
    amount_fen: int
    reference: str = ""  # a decision number, an endorsement kind


@dataclass(frozen=True)
class Priced:
    amount_fen: int  # the sum of the lines; integer fen, > 0
    description: str  # what the provider shows in the citizen's payment app (no personal data)
    lines: tuple[Line, ...]
    # What `fulfil` needs later, stored with the order (no ID number or name in clear).
    request: dict[str, Any] = field(default_factory=dict)
    # The payer's keyed ID hash (central.identity.id_hash) when the payment was made with the ID
    # card: the progress query lists the order under that person and lets them reprint its receipt.
    id_hash: str | None = None
    # What a reprinted receipt shows of the request, masked (the permit number as C0*****88),
    # keyed by the kiosk's entry stage it came from ("permit"): the reprinting kiosk has no input.
    shown: dict[str, str] = field(default_factory=dict)


class Undeliverable(Exception):
    """The back office refused after payment; `reason` is a message code the kiosk shows."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Payable:
    price: Callable[..., Priced]
    fulfil: Callable[..., dict]
