"""A kiosk core in a process of its own, for the kill -9 tests (tests/e2e/test_crash_recovery.py).

    python tests/support/crash_kiosk.py CONFIG.json SERVICE PAYMENT_CONTROL_URL

Runs the real KioskCore on the configuration the test's DemoEnvironment wrote (its emulators and
central live in the test's process) and taps one visit of SERVICE through the Session, as the
widgets would: the test has laid the card on the reader and the finger on the sensor before, and
the citizen here pays a QR code through the provider simulator's control API, as their phone
would. It prints `ready` once the service is offered, then each state it reaches, and never
leaves the visit's end on its own: the test kills it (the whole process group, SIGKILL) at the
side effect it wants to interrupt.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import httpx

from kiosk.config import KioskConfig
from kiosk.core import KioskCore
from kiosk.demo_env import DemoEnvironment
from support.kiosk_core import until

# What the citizen answers, per question (stage id → choice), when there is a choice to make.
CHOICES = {"method": {"traffic_fines": "card", "id_card_pickup": "id_number"}, "purpose": "employment",
           "consent": "keep", "kind": "individual"}
ENTRIES = {"id_number": "110101198503121239", "permit": "C03005988"}


def main(config_file: str, service: str, payment_control: str) -> None:
    config = KioskConfig.model_validate_json(Path(config_file).read_text())
    core = KioskCore(config, fingerprint_template=DemoEnvironment.fingerprint_template).start()
    session = core.session
    until(lambda: session.view().state == "attract" and core._availability.get(service, "") is None,
          what=f"{service} available")
    session.touch()
    until(lambda: dict((t.id, t.available) for t in session.view().tiles).get(service), what=f"the {service} tile")
    say("ready")
    session.choose_service(service)
    seen, paid = None, set()
    while True:
        view = session.view()
        now = (view.state, view.stage_id, view.photo.photo is not None if view.photo else None)
        if now == seen:
            time.sleep(0.05)
            continue
        seen = now
        say(f"{view.state} {view.stage_id}")
        if view.state == "choose" and view.stage_id != "result":
            wanted = CHOICES.get(view.stage_id)
            wanted = wanted.get(service) if isinstance(wanted, dict) else wanted
            ids = [cid for cid, _label in view.step.choices]
            session.choose(view.stage_id, wanted if wanted in ids else ids[0])
        elif view.state == "enter":
            for key in ENTRIES[view.stage_id]:
                session.key(view.stage_id, key)
            session.submit_entry(view.stage_id)
        elif view.state == "select":
            for option in view.select.options:
                if option.selectable:
                    session.toggle(view.stage_id, option.id)
            session.confirm()
        elif view.state == "confirm":
            session.confirm()
        elif view.state == "pay":
            code = until(lambda: (lambda v: v.payment.qr_url if v.state == "pay" and v.payment else
                                  "gone" if v.state != "pay" else None)(session.view()), what="the QR code")
            if code != "gone" and code not in paid:
                paid.add(code)
                httpx.post(f"{payment_control}/pay", json={"qr_url": code}, timeout=10).raise_for_status()
        elif view.state == "capture_photo" and view.photo is not None and view.photo.photo:
            session.accept_photo(view.stage_id)


def say(line: str) -> None:
    print(line, flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:4])
