"""Online/offline changes from real signed heartbeats to a real central, and flapping."""

from __future__ import annotations

from sqlalchemy import select, update

from central.db import heartbeats, presence_changes
from central.fleet_state import kiosk_rows
from central.presence import PresenceRules


def test_a_silence_then_a_heartbeat_is_an_offline_spell(central, enrolled):
    client = enrolled("K-1")
    client.heartbeat({"operator_config": {"group": "north", "running": 1}})
    engine = central.context.engine
    with engine.begin() as conn:  # the kiosk fell silent ten minutes ago
        conn.execute(update(heartbeats).values(received_at=heartbeats.c.received_at - 600))
        row, = kiosk_rows(conn, PresenceRules(offline_after_s=180))
        assert (row["state"], row["group"], row["config_applied"]) == ("offline", "north", 1)
    client.heartbeat({"operator_config": {"group": "north", "running": 2}})
    with engine.begin() as conn:
        changes = conn.execute(select(presence_changes.c.online).order_by(presence_changes.c.id)).scalars().all()
        assert changes == [False, True]
        row, = kiosk_rows(conn, PresenceRules(offline_after_s=180, flap_changes=2))
        assert (row["state"], row["config_applied"], row["flapping"]) == ("online", 2, True)
