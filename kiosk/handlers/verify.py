"""The identity check after the card read (人证核验): face with liveness, the fingerprint as the
fallback, as the identity policy decides (kiosk/verification.py drives the devices). A citizen
without their card (collecting a new one) is checked against what the service gives instead:
the fingers and the photo recorded at application."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Callable

from kiosk.identity.policy import IdentityPolicy
from kiosk.identity.settings import FaceSettings
from kiosk.identity.worker import FaceWorker
from kiosk.verification import Preview, Verification, run_check

log = logging.getLogger(__name__)


@dataclass
class IdentityParts:
    """The long-lived parts of the identity check, owned by the core."""

    policy: IdentityPolicy
    face_worker: FaceWorker
    face_settings: FaceSettings
    preview: Preview
    fingerprint_template: Callable[[object], bytes | None]

    def prepare(self, card) -> Verification:
        """At card read: the ID photo's encoding starts at once, in the background."""
        from drivers.idcard.photo import PhotoUndecodable, decode_photo  # OpenCV: at the first card, not at start

        verifier = None
        try:
            photo = decode_photo(card.photo)
        except PhotoUndecodable as exc:
            log.info("ID photo not usable here (%s): the face check is skipped", exc)
        else:
            verifier = _face_verifier(self.face_worker, self.face_settings)
            verifier.prepare(photo)
            del photo
        return Verification(verifier, self.fingerprint_template(card))

    def prepare_material(self, material) -> Verification:
        """From a service's identity material (kiosk.services.base.IdentityMaterial): the
        recorded fingers for the reader, the application photo (JPEG) for the face check."""
        verifier = None
        photo = _decode_jpeg(material.photo) if material.photo else None
        if photo is not None:
            verifier = _face_verifier(self.face_worker, self.face_settings)
            verifier.prepare(photo)
            del photo
        return Verification(verifier, templates=tuple(material.templates))


def _decode_jpeg(data: bytes):
    import cv2
    import numpy as np

    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        log.warning("the application photo cannot be decoded: the face check is skipped")
    return image


def run(ctx, visit, stage) -> None:
    parts: IdentityParts = ctx.identity
    if stage.source == "service":
        material = ctx.services[visit.service_id].identity_material(visit)
        visit.verification = parts.prepare_material(material)
        subject = material.subject
        if not ctx.still_at(visit, stage):  # ended meanwhile: its wipe ran before this was here
            visit.verification.wipe()
            return
    else:
        subject = visit.card.id_number if visit.card is not None else None
    verification = visit.verification
    if verification is None or subject is None:
        return
    verification.check = parts.policy.begin(visit.service_id, subject,
                                            fallback_on_mismatch=stage.fallback == "always")
    run_check(visit, verification.check, session=ctx.session, devices=ctx.devices, preview=parts.preview,
              usable=ctx.usable, still_verifying=lambda: ctx.still_at(visit, stage),
              verified=lambda: ctx.did(visit, "identity_checked"))


def _face_verifier(worker: FaceWorker, settings: FaceSettings):
    # numpy and the verifier are imported at the first card (or warmed up after start), not
    # while the attract screen is coming up.
    from kiosk.identity.verifier import FaceVerifier

    return FaceVerifier(worker, settings)
