"""Unsolicited device events, read off two successive statuses.

XFS4IoT devices announce what changed (media inserted, paper low, device lost) besides
answering status queries. Our backends are polled, so events are derived: compare the status
before and after a poll and name the change. Pure, so every backend gets the same events.
"""

from __future__ import annotations

from dataclasses import dataclass

from drivers.base import DeviceState, DeviceStatus


@dataclass(frozen=True)
class DeviceEvent:
    device: str  # the configured name, e.g. "printer"
    kind: str  # device_lost, device_back, paper_low, paper_out, paper_ok, cover_open, cover_closed,
    #            card_inserted, card_removed, code_scanned,
    #            card_presented, card_taken, card_retracted, jam (a card dispenser)
    message: str = ""


def status_events(device: str, before: DeviceStatus | None, after: DeviceStatus) -> list[DeviceEvent]:
    """The events between two polls; `before` is None for the first one (nothing to compare)."""
    if before is None:
        return []
    events: list[DeviceEvent] = []

    def add(kind: str) -> None:
        events.append(DeviceEvent(device, kind, after.message))

    lost_before = before.state == DeviceState.NO_DEVICE
    lost_after = after.state == DeviceState.NO_DEVICE
    if lost_after and not lost_before:
        add("device_lost")
    elif lost_before and not lost_after:
        add("device_back")
    if lost_after:
        return events  # a gone device reports nothing else worth comparing

    paper_before, paper_after = before.detail.get("paper"), after.detail.get("paper")
    if paper_after != paper_before and paper_after in ("near_end", "out", "ok"):
        if paper_after != "ok" or paper_before in ("near_end", "out"):
            add({"near_end": "paper_low", "out": "paper_out", "ok": "paper_ok"}[paper_after])

    cover_before, cover_after = before.detail.get("cover"), after.detail.get("cover")
    if cover_after == "open" and cover_before != "open":
        add("cover_open")
    elif cover_after == "closed" and cover_before == "open":
        add("cover_closed")

    had_card, has_card = before.detail.get("card_present"), after.detail.get("card_present")
    if had_card is not None and has_card is not None and bool(has_card) != bool(had_card):
        add("card_inserted" if has_card else "card_removed")

    scans_before, scans_after = before.detail.get("scans"), after.detail.get("scans")
    if isinstance(scans_before, int) and isinstance(scans_after, int) and scans_after > scans_before:
        add("code_scanned")  # a scanner read something since the last poll (never what)

    events.extend(DeviceEvent(device, kind, after.message) for kind in _dispenser_events(before, after))
    return events


def _dispenser_events(before: DeviceStatus, after: DeviceStatus) -> list[str]:
    """A card dispenser's changes: its counters say what it did, its card position what the
    citizen did (a card gone from the mouth without a retract was taken)."""
    kinds: list[str] = []
    if after.detail.get("jam") is True and before.detail.get("jam") is False:
        kinds.append("jam")
    presented = before.detail.get("presented"), after.detail.get("presented")
    retracted = before.detail.get("retracted"), after.detail.get("retracted")
    if all(isinstance(n, int) for n in presented) and presented[1] > presented[0]:
        kinds.append("card_presented")
    grew = all(isinstance(n, int) for n in retracted) and retracted[1] > retracted[0]
    if before.detail.get("card") == "mouth" and after.detail.get("card") == "none" and not grew:
        kinds.append("card_taken")
    if grew:
        kinds.append("card_retracted")
    return kinds
