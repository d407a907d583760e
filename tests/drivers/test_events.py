"""Device events named from two successive statuses."""

from __future__ import annotations

from drivers.base import DeviceState, DeviceStatus
from drivers.events import status_events

ONLINE = DeviceState.ONLINE


def printer(state=ONLINE, paper="ok", cover="closed") -> DeviceStatus:
    return DeviceStatus("printer", state, state.value, {"paper": paper, "cover": cover})


def kinds(before, after) -> list[str]:
    return [event.kind for event in status_events("printer", before, after)]


def test_first_poll_has_nothing_to_compare():
    assert kinds(None, printer()) == []


def test_paper_running_low_then_out_then_refilled():
    assert kinds(printer(), printer(paper="near_end")) == ["paper_low"]
    assert kinds(printer(paper="near_end"), printer(DeviceState.HARDWARE_ERROR, paper="out")) == ["paper_out"]
    assert kinds(printer(DeviceState.HARDWARE_ERROR, paper="out"), printer()) == ["paper_ok"]
    assert kinds(printer(paper="unknown"), printer()) == []  # "ok" after not knowing is no news


def test_cover_opened_and_closed():
    assert kinds(printer(), printer(DeviceState.HARDWARE_ERROR, cover="open")) == ["cover_open"]
    assert kinds(printer(DeviceState.HARDWARE_ERROR, cover="open"), printer()) == ["cover_closed"]


def test_device_lost_and_back_and_nothing_else_while_gone():
    gone = DeviceStatus("printer", DeviceState.NO_DEVICE, "connection refused")
    assert kinds(printer(paper="near_end"), gone) == ["device_lost"]
    assert kinds(gone, printer()) == ["device_back"]
    assert kinds(gone, gone) == []


def test_card_inserted_and_removed():
    empty = DeviceStatus("chipdoc", DeviceState.USER_ERROR, "no document", {"card_present": False})
    holding = DeviceStatus("chipdoc", ONLINE, "document on the reader", {"card_present": True})
    assert [e.kind for e in status_events("permit", empty, holding)] == ["card_inserted"]
    assert [e.kind for e in status_events("permit", holding, empty)] == ["card_removed"]
    assert status_events("permit", holding, holding) == []


def test_unchanged_status_gives_no_event():
    assert kinds(printer(), printer()) == []


def dispenser(card="none", presented=0, retracted=0, jam=False) -> DeviceStatus:
    state = DeviceState.HARDWARE_ERROR if jam else ONLINE
    return DeviceStatus("dispenser", state, state.value,
                        {"card": card, "presented": presented, "retracted": retracted, "jam": jam})


def dispenser_kinds(before, after) -> list[str]:
    return [event.kind for event in status_events("dispenser", before, after)]


def test_dispenser_card_presented_taken_retracted_jam():
    assert dispenser_kinds(dispenser(), dispenser("mouth", presented=1)) == ["card_presented"]
    assert dispenser_kinds(dispenser("mouth", presented=1), dispenser(presented=1)) == ["card_taken"]
    # gone from the mouth into the bin: retracted, not taken
    assert dispenser_kinds(dispenser("mouth", 1), dispenser(presented=1, retracted=1)) == ["card_retracted"]
    assert dispenser_kinds(dispenser("read"), dispenser("read", jam=True)) == ["jam"]
    assert dispenser_kinds(dispenser("read", jam=True), dispenser("read", jam=True)) == []
    assert dispenser_kinds(dispenser("read"), dispenser("read")) == []
