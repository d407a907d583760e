"""Staged rollout of an operator config: the plan signed into its target, and wave membership.

A plan is {"waves": [...], "success_percent": S, "errors_percent": E, "approve": bool}; each
wave is {"kiosks": [ids]}, {"percent": P} or {"rest": true}, the last one always "rest". Every
number is a whole percentage: TUF's canonical JSON signs integers, not fractions. Central (which
moves a deployment from wave to wave) and the kiosk (which applies a first-wave version without
asking) place a kiosk by this one rule:

- a kiosk named in a list wave belongs to the first list wave naming it (lists are exact);
- any other kiosk falls in a percentage wave by its bucket, sha256("group:version:kiosk") read
  as a number in [0, 100): wave k takes the buckets from the sum of the earlier percentages up to
  that sum plus its own, so raising a percentage only ever adds kiosks;
- whoever is left is in the last wave, "the rest".
"""

from __future__ import annotations

import hashlib
from typing import Any

SUCCESS = 1.0  # every kiosk of a wave applied before the next one starts
ERRORS = 0.1  # a tenth of a wave refusing halts the deployment


def bucket(group: str, version: int, kiosk_id: str) -> float:
    digest = hashlib.sha256(f"{group}:{version}:{kiosk_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 * 100


def parse_wave(text: str) -> dict[str, Any]:
    """One `--wave` value: "kiosk-a,kiosk-b", "10%" or "rest"."""
    text = text.strip()
    if text == "rest":
        return {"rest": True}
    if text.endswith("%"):
        try:
            percent = int(text[:-1])
        except ValueError:
            raise ValueError(f"wave {text!r}: a percentage is a whole number followed by %") from None
        if not 0 < percent <= 100:
            raise ValueError(f"wave {text!r}: a percentage is above 0 and at most 100")
        return {"percent": percent}
    ids = [part.strip() for part in text.split(",") if part.strip()]
    if not ids:
        raise ValueError(f"wave {text!r}: give kiosk ids, a percentage or rest")
    return {"kiosks": ids}


def make_plan(waves: list[str], *, success: float = SUCCESS, errors: float = ERRORS,
              approve: bool = False) -> dict[str, Any]:
    parsed = [parse_wave(w) for w in waves]
    if any(w.get("rest") for w in parsed[:-1]):
        raise ValueError("rest can only be the last wave")
    if sum(w.get("percent", 0) for w in parsed) > 100:
        raise ValueError("the waves' percentages add up to more than 100")
    if not parsed or not parsed[-1].get("rest"):
        parsed.append({"rest": True})
    if not 0 < success <= 1 or not 0 < errors <= 1:
        raise ValueError("--success and --errors are fractions above 0 and at most 1")
    return {"waves": parsed, "success_percent": percent_of(success), "errors_percent": percent_of(errors),
            "approve": approve}


def percent_of(fraction: float) -> int:
    return max(1, min(100, round(fraction * 100)))


def single_wave() -> dict[str, Any]:
    """A version published without a plan: everyone at once."""
    return {"waves": [{"rest": True}], "success_percent": percent_of(SUCCESS), "errors_percent": percent_of(ERRORS),
            "approve": False}


def wave_of(plan: dict[str, Any], group: str, version: int, kiosk_id: str) -> int:
    """The index (0: the first wave) of the wave `kiosk_id` belongs to."""
    waves = plan["waves"]
    for index, wave in enumerate(waves):
        if kiosk_id in wave.get("kiosks", ()):
            return index
    point = bucket(group, version, kiosk_id)
    upto = 0.0
    for index, wave in enumerate(waves):
        if "percent" in wave:
            upto += int(wave["percent"])
            if point < upto:
                return index
    return len(waves) - 1


def describe(wave: dict[str, Any]) -> str:
    if "kiosks" in wave:
        return ",".join(wave["kiosks"])
    if "percent" in wave:
        return f"{wave['percent']}%"
    return "rest"
