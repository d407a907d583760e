"""Online/offline changes from real signed heartbeats to a real central, and flapping."""

from __future__ import annotations

from sqlalchemy import delete, insert, select, update

from central.db import alarm_acks, create_engine_for, enrol_kiosk, heartbeats, presence_changes
from central.fleet_state import kiosk_rows
from central.presence import PresenceRules, heartbeat_arrived
from support.clock import FakeClock


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


class Fleet:
    """One kiosk on a real central database, its heartbeats and the page's looks at a clock the
    test moves: central's own presence and fleet-state code, an hour in a moment."""

    RULES = PresenceRules(offline_after_s=180, flap_changes=4, flap_window_s=3600)

    def __init__(self, engine):
        self.engine, self.clock, self.previous = engine, FakeClock(), None
        enrol_kiosk(engine, "K-1")

    def beat(self, after_s: float, status: dict | None = None) -> None:
        """A heartbeat `after_s` from now, stored as central's heartbeat endpoint stores it."""
        self.clock.advance(after_s)
        with self.engine.begin() as conn:
            heartbeat_arrived(conn, "K-1", self.previous, self.clock(), self.RULES)
            conn.execute(delete(heartbeats).where(heartbeats.c.kiosk_id == "K-1"))
            conn.execute(insert(heartbeats).values(kiosk_id="K-1", received_at=self.clock(), status=status or {}))
        self.previous = self.clock()

    def look(self, after_s: float = 0) -> dict:
        self.clock.advance(after_s)
        with self.engine.begin() as conn:
            row, = kiosk_rows(conn, self.RULES, now=self.clock())
        return row

    def acknowledge(self) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(alarm_acks))
            conn.execute(insert(alarm_acks).values(kiosk_id="K-1", operator_id="ana", at=self.clock()))


def test_a_flapping_kiosk_is_marked_not_alarmed_at_every_change_until_stable_for_the_window(tmp_path):
    engine = create_engine_for(str(tmp_path / "central.db"))
    fleet = Fleet(engine)
    fleet.beat(0)
    assert not fleet.look()["alarm"]
    row = fleet.look(600)  # silent: offline, change 1
    assert (row["state"], row["alarm"], row["flapping"]) == ("offline", True, False)
    fleet.beat(60)  # change 2
    assert not fleet.look()["alarm"]
    row = fleet.look(540)  # change 3: not flapping yet, so each offline spell alarms
    assert (row["state"], row["alarm"], row["flapping"]) == ("offline", True, False)

    fleet.beat(60)  # change 4: four within the hour
    row = fleet.look()
    assert (row["state"], row["flapping"], row["changes_in_window"], row["alarm"]) == ("online", True, 4, False)
    row = fleet.look(540)  # change 5: offline, shown, but no alarm while it flaps
    assert (row["state"], row["flapping"], row["problems"], row["alarm"]) == ("offline", True, ["offline"], False)

    fault = {"devices": {"printer": {"state": "hardware_fault"}}}
    fleet.beat(60, fault)  # change 6: a faulty device alarms, flapping or not
    row = fleet.look()
    assert (row["problems"], row["alarm"]) == (["device printer"], True)
    fleet.acknowledge()
    row = fleet.look(540)  # change 7: the acknowledgement holds across the flapping's changes
    assert (row["state"], row["problems"], row["alarm"], row["acknowledged_by"]) == \
        ("offline", ["offline", "device printer"], False, "ana")

    fleet.beat(60)  # change 8, online; then steady heartbeats, no change for almost an hour
    for _ in range(59):
        fleet.beat(60)
    assert fleet.look()["flapping"]
    fleet.beat(60)
    fleet.beat(60)  # a whole window since change 8
    row = fleet.look()
    assert (row["state"], row["flapping"], row["alarm"]) == ("online", False, False)
    row = fleet.look(600)  # stable again: going offline alarms as it always did
    assert (row["state"], row["flapping"], row["alarm"]) == ("offline", False, True)
    engine.dispose()
