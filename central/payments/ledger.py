"""What the order book took and gave back, and what is not yet accounted for.

`unreconciled` counts paid orders that were neither delivered nor refunded in full: money taken
for nothing so far. It is normal for a moment (a payment just recorded, a refund the provider has
not answered); the sweep brings it back to 0, and an operator looks at any that stay.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, and_, func, not_, or_, select

from central.db import create_engine_for, orders


def summary(conn: Connection) -> dict[str, Any]:
    by_state = dict(conn.execute(select(orders.c.state, func.count()).group_by(orders.c.state)).all())
    charged, refunded = conn.execute(
        select(func.coalesce(func.sum(orders.c.paid_fen), 0), func.coalesce(func.sum(orders.c.refunded_fen), 0))
    ).one()
    unreconciled = conn.execute(select(func.count()).select_from(orders).where(
        orders.c.paid_fen > 0,
        not_(or_(orders.c.delivery == "delivered", and_(orders.c.refunded_fen >= orders.c.paid_fen))),
    )).scalar_one()
    return {"orders": by_state, "charged_fen": int(charged), "refunded_fen": int(refunded),
            "unreconciled": unreconciled}


def payments(database_url: str) -> dict[str, Any]:
    engine = create_engine_for(database_url, create=False)
    try:
        with engine.connect() as conn:
            return summary(conn)
    finally:
        engine.dispose()
