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


def test_a_screen_that_stopped_answering_is_a_problem_until_it_answers(central, enrolled):
    """The kiosk's GUI thread froze (kiosk/gui_pulse.py): its heartbeat says so, the fleet alarms."""
    client = enrolled("K-2")
    engine = central.context.engine
    client.heartbeat({"gui": {"last_tick_age_s": 31.5, "stalled": True}})
    with engine.begin() as conn:
        row, = kiosk_rows(conn, PresenceRules(offline_after_s=180))
        assert row["problems"] == ["screen not answering for 31.5 s"] and row["alarm"]
    client.heartbeat({"gui": {"last_tick_age_s": 0.2, "stalled": False}})
    with engine.begin() as conn:
        row, = kiosk_rows(conn, PresenceRules(offline_after_s=180))
        assert row["problems"] == [] and not row["alarm"]
