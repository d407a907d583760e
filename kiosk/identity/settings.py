"""The face check's settings, apart from the code that uses them: the core makes them at
start-up from the config without importing numpy, OpenCV or the verifier."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class QualityLimits:
    min_face_ratio: float = 0.16  # face width / frame width (≈100 px at 640)
    max_face_ratio: float = 0.70
    max_offcentre: float = 0.30  # face centre from frame centre, in frame widths
    second_face_ratio: float = 0.5  # another face at least this wide (vs the primary) counts
    min_brightness: float = 60.0  # mean grey level of the face, 0..255
    max_brightness: float = 210.0
    min_sharpness: float = 40.0  # variance of the Laplacian on the face scaled to 128 px
    max_yaw: float = 0.10  # see face.yaw
    max_roll_deg: float = 15.0



@dataclass(frozen=True)
class FaceSettings:
    threshold: float = 0.6  # face_recognition's distance; at or below is the same person
    liveness: bool = True
    challenges: tuple[str, ...] = ("blink", "turn")
    challenge_timeout_s: float = 8.0
    timeout_s: float = 30.0
    frames_to_match: int = 3  # distances whose median decides
    max_face_gap_s: float = 1.0  # the face gone longer than this starts the check again
    reference_jitters: int = 1
    limits: QualityLimits = field(default_factory=QualityLimits)

    @classmethod
    def from_config(cls, config, **overrides) -> "FaceSettings":
        """From the kiosk configuration's `identity` section (kiosk.config.IdentityConfig)."""
        values = dict(threshold=config.threshold, liveness=config.liveness, challenges=tuple(config.challenges),
                      challenge_timeout_s=config.challenge_timeout_s, timeout_s=config.attempt_timeout_s)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)
