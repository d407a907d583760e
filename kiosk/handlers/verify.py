"""The identity check after the card read (人证核验): face with liveness, the fingerprint as the
fallback, as the identity policy decides (kiosk/verification.py drives the devices)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Callable

from drivers.idcard.photo import PhotoUndecodable, decode_photo
from kiosk.identity.policy import IdentityPolicy
from kiosk.identity.verifier import FaceSettings, FaceVerifier
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
        verifier = None
        try:
            photo = decode_photo(card.photo)
        except PhotoUndecodable as exc:
            log.info("ID photo not usable here (%s): the face check is skipped", exc)
        else:
            verifier = FaceVerifier(self.face_worker, self.face_settings)
            verifier.prepare(photo)
            del photo
        return Verification(verifier, self.fingerprint_template(card))


def run(ctx, visit, stage) -> None:
    verification = visit.verification
    if verification is None or visit.card is None:
        return
    parts: IdentityParts = ctx.identity
    verification.check = parts.policy.begin(visit.service_id, visit.card.id_number)
    run_check(visit, verification.check, session=ctx.session, devices=ctx.devices, preview=parts.preview,
              usable=ctx.usable, still_verifying=lambda: ctx.still_at(visit, stage))
