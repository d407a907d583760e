"""Logging for the kiosk process: one format, ID numbers masked on every handler."""

from __future__ import annotations

import logging
import logging.handlers
import os
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
        handler.addFilter(_drop_escpos_chatter)
        root.addHandler(handler)
    # Libraries that log every request, connection or font table at INFO would drown the kiosk's own lines.
    for noisy in ("httpx", "httpcore", "uvicorn.access", "fontTools"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _drop_escpos_chatter(record: logging.LogRecord) -> bool:
    """python-escpos logs each connect/close at INFO on the root logger; keep only its warnings."""
    return record.levelno >= logging.WARNING or f"{os.sep}escpos{os.sep}" not in record.pathname
