"""Logging for the kiosk process: one format, ID numbers masked on every handler."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

from kiosk.privacy import MaskingFilter


def setup_logging(log_dir: str | Path | None = None, level: int = logging.INFO) -> None:
    handlers: list[logging.Handler] = [logging.StreamHandler()]
    if log_dir is not None:
        Path(log_dir).mkdir(parents=True, exist_ok=True)
        handlers.append(
            logging.handlers.RotatingFileHandler(Path(log_dir, "kiosk.log"), maxBytes=5_000_000, backupCount=5)
        )
    formatter = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    root = logging.getLogger()
    root.setLevel(level)
    for handler in handlers:
        handler.setFormatter(formatter)
        handler.addFilter(MaskingFilter())
        root.addHandler(handler)
