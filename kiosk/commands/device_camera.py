"""`kiosk device camera snapshot|status --url URL`: one camera, by the URL the config uses."""

import time
from pathlib import Path

import click

from kiosk.commands.common import clean_failures, emit_json, fail

URL_HELP = ("Camera URL, e.g. opencv://0, opencv:///dev/video0, opencv+rtsp://10.0.0.9:554/stream "
            "or opencv:///srv/cam/citizen.avi?loop=1&pace=1")
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png")


@click.group()
def camera():
    """Camera (OpenCV: device index, V4L2 path, RTSP/HTTP stream, video file, image sequence)."""


@camera.command()
@click.option("--url", required=True, help=URL_HELP)
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the frame: .jpg, .jpeg or .png.")
@click.option("--timeout", type=click.FloatRange(0.1, 8), default=5.0, show_default=True,
              help="Seconds to wait for a frame once the camera is open.")
@clean_failures
def snapshot(url, out, timeout):
    """Write one frame to --out; print {width, height, out, …} as JSON."""
    if out.suffix.lower() not in IMAGE_SUFFIXES:
        raise ValueError(f"--out must end in {', '.join(IMAGE_SUFFIXES)}: {out}")
    if not out.parent.is_dir():
        raise ValueError(f"no directory {out.parent} for --out")
    import cv2

    from drivers.registry import open_device

    device = open_device(url)
    try:
        frame = device.read_frame(timeout_s=timeout)
    finally:
        device.close()
    if not cv2.imwrite(str(out), frame.image):
        raise OSError(f"cannot write {out}")
    height, width = frame.image.shape[:2]
    emit_json({"width": width, "height": height, "out": str(out), "bytes": out.stat().st_size,
               "frame_index": frame.index, "source": device.source.describe()})


@camera.command()
@click.option("--url", required=True, help=URL_HELP)
@click.option("--sample", type=click.FloatRange(0, 5), default=2.0, show_default=True,
              help="Seconds to watch the picture before reporting (rate, dark, frozen).")
@clean_failures
def status(url, sample):
    """Open the camera, watch it for --sample seconds, report resolution, measured fps and
    picture; exit 1 unless usable."""
    from drivers.registry import open_device

    device = open_device(url, open_now=False)
    try:
        result = device.status()
        if result.usable and sample:
            time.sleep(sample)
            result = device.status()
    finally:
        device.close()
    emit_json(result.to_json())
    if not result.usable:
        fail(f"{result.state.value}: {result.message}")
