"""Logging for the kiosk process: one format; personal data masked in the whole formatted line
of every handler, tracebacks included; syslog priorities when stderr is the journal; a log
file that rotates, so the disk stays bounded; uncaught exceptions logged, not printed."""

from __future__ import annotations

import logging
import logging.handlers
import os
import sys
import threading
from pathlib import Path

from common.journal import JournalFormatter, writes_to_journal
from common.masking import MaskingFormatter

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def setup_logging(log_dir: str | Path | None = None, level: int = logging.INFO, *,
                  max_bytes: int = 5_000_000, backups: int = 5) -> None:
    """`log_dir`: kiosk.log there, rotated at `max_bytes` with `backups` old files (config [logs])."""
    stderr = logging.StreamHandler()
    stderr.setFormatter(JournalFormatter() if writes_to_journal(stderr.stream) else MaskingFormatter(FORMAT))
    stderr.addFilter(_drop_escpos_chatter)
    root = logging.getLogger()
    root.setLevel(level)
    root.addHandler(stderr)
    if log_dir is not None:
        add_log_file(log_dir, max_bytes=max_bytes, backups=backups)
    # Libraries that log every request, connection or font table at INFO would drown the kiosk's own lines.
    for noisy in ("httpx", "httpcore", "uvicorn.access", "fontTools"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    log_uncaught_exceptions()


def add_log_file(log_dir: str | Path, *, max_bytes: int = 5_000_000, backups: int = 5) -> logging.Handler:
    """kiosk.log in `log_dir` beside what setup_logging set up: also for a kiosk that started
    without a usable config and got one later. OSError when the directory cannot be written."""
    Path(log_dir).mkdir(parents=True, exist_ok=True)
    file = logging.handlers.RotatingFileHandler(Path(log_dir, "kiosk.log"), maxBytes=max_bytes,
                                                backupCount=backups, encoding="utf-8")
    file.setFormatter(MaskingFormatter(FORMAT))
    file.addFilter(_drop_escpos_chatter)
    logging.getLogger().addHandler(file)
    return file


def _drop_escpos_chatter(record: logging.LogRecord) -> bool:
    """python-escpos logs each connect/close at INFO on the root logger; keep only its warnings."""
    return record.levelno >= logging.WARNING or f"{os.sep}escpos{os.sep}" not in record.pathname


_uncaught = logging.getLogger("kiosk.uncaught")


def log_uncaught_exceptions() -> None:
    """Python prints an uncaught exception's traceback (in a Qt slot, a thread, a __del__)
    straight to stderr, past every handler and its masking: send it through logging instead."""
    def in_main(exc_type, exc, traceback) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, traceback)
            return
        _uncaught.critical("uncaught exception", exc_info=(exc_type, exc, traceback))

    def in_thread(args: threading.ExceptHookArgs) -> None:
        if issubclass(args.exc_type, SystemExit):
            return
        name = args.thread.name if args.thread is not None else "?"
        _uncaught.critical("uncaught exception in thread %s", name,
                           exc_info=(args.exc_type, args.exc_value, args.exc_traceback))

    def unraisable(args) -> None:
        _uncaught.error("%s: %r", args.err_msg or "exception ignored", args.object,
                        exc_info=(args.exc_type, args.exc_value, args.exc_traceback))

    sys.excepthook, threading.excepthook, sys.unraisablehook = in_main, in_thread, unraisable
