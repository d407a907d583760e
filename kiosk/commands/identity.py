"""`kiosk identity verify`: the kiosk's face check on a photo file and a camera URL.

For technicians checking a camera and for scripts: the same pipeline the citizen's visit runs
(face worker process, quality gates, liveness, threshold), with a photo file standing in for the
decoded ID photo. Prints one JSON object with the decision; exits 0 for any decision.
"""

from __future__ import annotations

import random

import click

from kiosk.commands.common import clean_failures, emit_json, fail


@click.group()
def identity():
    """Identity verification (人证比对)."""


@identity.command()
@click.option("--id-photo", "id_photo", required=True, type=click.Path(dir_okay=False),
              help="Image file standing in for the ID card's photo.")
@click.option("--camera", "camera_url", required=True, help="Camera URL, e.g. opencv:///path/video.avi?loop=1")
@click.option("--no-liveness", is_flag=True, help="Skip the blink / head-turn challenge.")
@click.option("--threshold", type=click.FloatRange(0, 2, min_open=True), default=None,
              help="Largest face distance accepted as the same person (default from config).")
@click.option("--timeout", "timeout_s", type=click.FloatRange(0, min_open=True), default=None,
              help="Seconds before giving up on the attempt (default from config).")
@click.option("--challenge-timeout", "challenge_timeout_s", type=click.FloatRange(0, min_open=True), default=None,
              help="Seconds the citizen has for each challenge (default from config).")
@click.option("--challenges", default=None, help="Comma-separated: blink,turn (default from config).")
@click.option("--seed", type=int, default=None, help="Fix the challenge order (testing).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None,
              help="Kiosk config file whose [identity] section gives the defaults.")
@clean_failures
def verify(id_photo, camera_url, no_liveness, threshold, timeout_s, challenge_timeout_s, challenges, seed, config_path):
    """Compare the face on the camera with the photo; print the decision as JSON."""
    import cv2
    import numpy as np

    from drivers.registry import open_device
    from kiosk.config import ConfigError, load_config
    from kiosk.identity.verifier import FaceSettings, FaceVerifier
    from kiosk.identity.worker import FaceWorker, WorkerUnavailable

    try:
        config = load_config(config_path).identity
    except ConfigError as exc:
        fail(str(exc))
    kinds = tuple(k.strip() for k in challenges.split(",") if k.strip()) if challenges else None
    if kinds and not set(kinds) <= {"blink", "turn"}:
        fail(f"unknown challenge in {challenges!r} (known: blink, turn)")
    settings = FaceSettings.from_config(config, threshold=threshold, timeout_s=timeout_s, challenges=kinds,
                                        challenge_timeout_s=challenge_timeout_s,
                                        liveness=False if no_liveness else None)
    # imdecode, not imread: imread prints its own warnings to stderr.
    photo = cv2.imdecode(np.fromfile(id_photo, dtype=np.uint8), cv2.IMREAD_COLOR)
    if photo is None:
        fail(f"cannot read the ID photo {id_photo} as an image")
    camera = open_device(camera_url)
    worker = FaceWorker()
    verifier = FaceVerifier(worker, settings, rng=random.Random(seed) if seed is not None else None)
    try:
        verifier.prepare(photo)
        del photo
        verifier.wait_reference()
        decision = verifier.run(camera)
    except WorkerUnavailable as exc:
        fail(str(exc))
    finally:
        verifier.wipe()
        camera.close()
        worker.close()
    if decision.decision == "error":
        fail(decision.reason or "verification failed")
    emit_json(decision.to_json())
