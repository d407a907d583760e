"""The ID photo at the camera (id_photo): guidance frame by frame until a frame passes every
check, then its GA 461 photo for the citizen to accept or retake.

Each frame goes to the face worker for the checks (kiosk/identity/photo_checks.py) and is
dropped; the guidance the screen shows and the voice says is the first thing to fix. A photo is
taken from the last of `STEADY_FRAMES` frames in a row that pass, so a citizen caught mid-move
is not photographed. The photo lives in the visit only (`visit.photo`), until the service sends
it to central with the citizen's consent or the visit ends.
"""

from __future__ import annotations

import logging

from drivers.base import DeviceError, DeviceTimeout
from kiosk.identity import ga461
from kiosk.identity.worker import WorkerRequestFailed, WorkerUnavailable

log = logging.getLogger(__name__)

STEADY_FRAMES = 2
HOLD_STILL = None  # the guidance while passing frames are being counted: nothing to fix


def run(ctx, visit, stage) -> None:
    session, worker = ctx.session, ctx.identity.face_worker
    if not ctx.usable("camera"):
        session.stage_failed(visit.id, stage.id, "camera_unavailable")
        return
    try:
        with ctx.devices.in_use("camera") as camera:
            unsubscribe = camera.subscribe(ctx.identity.preview.publish)
            try:
                photo = _capture(ctx, visit, stage, camera, worker)
            finally:
                unsubscribe()
                ctx.identity.preview.stop()
    except DeviceError as exc:
        log.error("camera failed while taking an ID photo: %s: %s", exc.kind, exc.message)
        session.stage_failed(visit.id, stage.id, "camera_unavailable")
        return
    except (WorkerUnavailable, WorkerRequestFailed) as exc:
        log.error("face worker failed while taking an ID photo: %s", exc)
        session.stage_failed(visit.id, stage.id, "machine_error")
        return
    if photo is not None:
        session.photo_taken(visit.id, stage.id, photo)


def _capture(ctx, visit, stage, camera, worker) -> bytes | None:
    """Frames until one is good enough; None when the visit left the stage first."""
    steady = 0
    while ctx.still_at(visit, stage):
        try:
            frame = camera.read_frame(timeout_s=1.0)
        except DeviceTimeout:
            continue
        report = worker.photo(frame.image)
        if not report.passed:
            steady = 0
            ctx.session.photo_update(visit.id, stage.id, report.guidance)
            continue
        steady += 1
        ctx.session.photo_update(visit.id, stage.id, HOLD_STILL)
        if steady >= STEADY_FRAMES:
            return ga461.export(frame.image, report.crop)
    return None
