"""One self-test per device class, on an opened device (drivers/: one interface per class).

Each check does what the device is there for, once, with nothing of a citizen in it or kept
from it, and returns an Outcome. A device error it meets is raised: the runner (`SelfTests`)
turns it into the result (`no_device` when the device cannot be reached, else `failed`).
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable

from drivers.base import DeviceState, DeviceUserError, NoMedia, ProtocolError
from kiosk.identity.fingerprint import NO_FINGER, POOR_QUALITY
from kiosk.privacy import mask_name
from kiosk.selftests.readout import readout_page, readout_receipt

MIN_FPS = 5.0  # below this a face check cannot follow a blink or a head turn
# More of the frames broken than this (not decodable) is a bad cable or a failing camera, even
# when the frames that do decode come fast enough.
MAX_BROKEN_SHARE = 0.1
DOCUMENT_WAIT_S = 60.0


@dataclass(frozen=True)
class Timings:
    camera_s: float = 2.0  # frames are counted this long
    finger_s: float = 10.0  # the technician's finger is waited for this long
    scan_s: float = 5.0  # and a code under the scanner this long


@dataclass(frozen=True)
class Outcome:
    passed: bool
    summary: str
    details: dict[str, Any] = field(default_factory=dict)
    # The camera's last frame, for the diagnostics screen only (selftests/preview.py): never
    # in `details`, which are kept and bundled.
    frame: Any = field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class Parts:
    """What the checks need of the kiosk around the device."""

    readout: Callable[[], dict[str, Any]]  # readout.status_readout of the core
    issuer: str  # printed on the test page
    find_face: Callable[[Any], dict[str, Any]]  # a BGR frame -> {"faces", "box"} (the face worker)
    timings: Timings


def receipt_printer(device, parts: Parts) -> Outcome:
    readout = parts.readout()
    device.check_ready()  # paper out, cover open: the typed error, before anything is sent
    device.print_receipt(readout_receipt(readout))
    after = device.status()
    details = {"readout": readout, "paper": after.detail.get("paper")}
    if after.state != DeviceState.ONLINE:
        return Outcome(False, f"test receipt sent, then the printer says {after.state.value}: {after.message}", details)
    near_end = after.detail.get("paper") == "near_end"
    return Outcome(True, "test receipt printed" + ("; paper near its end" if near_end else ""), details)


def document_printer(device, parts: Parts) -> Outcome:
    from kiosk.documents import render_pdf

    readout = parts.readout()
    pdf = render_pdf(readout_page(readout, issuer=parts.issuer))
    job = device.print_pdf(pdf, title="self-test page", job_key=f"selftest:{uuid.uuid4().hex}")
    state = device.wait_job(job, timeout=DOCUMENT_WAIT_S)
    details = {"readout": readout, "job": state.to_json(), "pdf_bytes": len(pdf)}
    if state.state != "completed":
        return Outcome(False, f"test page job {state.state}", details)
    return Outcome(True, "test page printed", details)


def card_reader(device, _parts: Parts) -> Outcome:
    """Reads the card on the reader (the technician's test card) and shows only masked fields."""
    if hasattr(device, "read_document"):  # a chip document reader (PC/SC, ICAO 9303)
        if getattr(device, "access_key", None) is None:
            # A chip opens only with its document's MRZ: a visit brings it, a self-test needs
            # the test document's in the URL.
            return Outcome(False, "chip not read: no test document's access key in the reader's URL (mrz=)")
        document = device.read_document()
        return Outcome(True, f"chip document read: {document.masked_number}", {"card": document.masked()})
    try:
        card = device.read_card()
    except NoMedia:
        # A reader finds a card once: one already read must be lifted and placed again.
        return Outcome(False, "no card on the reader: place a card (or lift it and place it again) and test again")
    try:
        masked = {"name": mask_name(card.name), "id_number": card.masked_id,
                  "photo_bytes": len(card.photo), "valid_to": "long-term" if card.valid_to is None else "dated"}
    finally:
        card.wipe()
    return Outcome(True, f"card read: {masked['id_number']}", {"card": masked})


def camera(device, parts: Parts) -> Outcome:
    # A frame is waited for as long as the camera itself waits before it calls the camera lost,
    # so an unplugged stream reads as gone (no_device), not merely slow.
    wait = getattr(getattr(device, "source", None), "timeout", 2.0) + 0.5
    broken_before = _broken_frames(device)
    started = time.monotonic()
    frames, last = 0, None
    while time.monotonic() - started < parts.timings.camera_s:
        last = device.read_frame(timeout_s=wait)
        frames += 1
    elapsed = time.monotonic() - started
    fps = round(frames / elapsed, 1) if elapsed > 0 else 0.0
    height, width = last.image.shape[:2]
    details: dict[str, Any] = {"frames": frames, "fps": fps, "width": width, "height": height,
                               "face": parts.find_face(last.image)}
    after = device.status()
    broken = _broken_frames(device, after) - broken_before
    details["broken_frames"] = broken
    face = details["face"]
    where = (f"face at {face['box']}" if face.get("box") else
             "no face found" if face.get("faces") == 0 else f"face not looked for: {face.get('error')}")
    summary = f"{fps:g} frames/s, {width}×{height}, {where}"
    if after.state != DeviceState.ONLINE:
        return Outcome(False, f"{summary}; the camera says {after.message or after.state.value}", details, last.image)
    if fps < MIN_FPS:
        return Outcome(False, f"{summary}: too slow (at least {MIN_FPS:g} frames/s)", details, last.image)
    if broken > MAX_BROKEN_SHARE * (frames + broken):
        return Outcome(False, f"{summary}; {broken} of {frames + broken} frames broken (not decodable)",
                       details, last.image)
    return Outcome(True, summary, details, last.image)


def _broken_frames(device, status=None) -> int:
    """Frames the camera failed to decode since it opened, where its status counts them."""
    status = status or device.status()
    return int(status.detail.get("failed_reads", 0))


def fingerprint(device, parts: Parts) -> Outcome:
    """A press of the technician's finger; its quality is what the module's feature extraction
    says of it (as in a visit: kiosk/identity/fingerprint.py). The template is dropped at once."""
    wait = parts.timings.finger_s
    try:
        template = device.capture(wait)
    except NoMedia:
        return Outcome(False, f"no finger on the sensor within {wait:g} s", {"quality": NO_FINGER})
    except DeviceUserError as exc:
        return Outcome(False, f"poor image: {exc.message}", {"quality": POOR_QUALITY, "reason": exc.message})
    size = len(template)
    del template
    return Outcome(True, "finger captured, features extracted", {"quality": "good", "template_bytes": size})


def dispenser(device, _parts: Parts) -> Outcome:
    """The CRT-591 answers a status query (card position, slot levels, bin) and nothing more
    of a self-check; moving a card would take one of the citizens' cards out of its slot."""
    state = device.read_status()
    details = {"card": state.card, "stacker": state.stacker, "slots": list(state.slots), "bin": state.bin}
    if state.bin == "full":
        return Outcome(False, "reject bin full", details)
    if state.stacker == "empty":  # nothing to hand out: a visit that ends in a card would fail
        return Outcome(False, "stacker empty: no cards to hand out", details)
    if state.card != "none":
        return Outcome(False, f"a card lies in the channel ({state.card} position)", details)
    return Outcome(True, f"status answered: stacker {state.stacker}, bin {state.bin}", details)


def scanner(device, parts: Parts) -> Outcome:
    """A presentation-mode scanner answers no query: the port is checked, and a code held under
    it within the wait is read (only its length is kept: a receipt's code identifies a visit)."""
    status = device.status()
    if status.state != DeviceState.ONLINE:
        return Outcome(False, f"scanner {status.state.value}: {status.message}")
    device.discard_pending()
    wait = parts.timings.scan_s
    try:
        code = device.read_code(wait)
    except NoMedia:
        return Outcome(True, f"port ready; nothing scanned within {wait:g} s", {"scanned": False})
    except (DeviceUserError, ProtocolError) as exc:
        return Outcome(False, f"a scan came but was not understood: {exc.message}", {"scanned": True})
    return Outcome(True, f"port ready; a code of {len(code)} characters read", {"scanned": True,
                                                                              "code_length": len(code)})


CHECKS: dict[str, Callable[[Any, Parts], Outcome]] = {
    "printer": receipt_printer, "docprinter": document_printer, "idcard": card_reader, "chipdoc": card_reader,
    "camera": camera, "fingerprint": fingerprint, "dispenser": dispenser, "scanner": scanner,
}
