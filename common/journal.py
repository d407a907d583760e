"""stderr as the systemd journal: recognised by JOURNAL_STREAM, written with a syslog
priority on each line (journald reads a leading "<N>", SyslogLevelPrefix=yes by default).
Shared by the kiosk's logging and central's uvicorn handlers."""

from __future__ import annotations

import logging
import os

from common.masking import MaskingFormatter

# The journal stamps each line itself.
JOURNAL_FORMAT = "%(levelname)s %(name)s: %(message)s"

# sd-daemon(3) priorities.
_PRIORITIES = ((logging.CRITICAL, 2), (logging.ERROR, 3), (logging.WARNING, 4), (logging.INFO, 6))


def priority(levelno: int) -> int:
    return next((prio for level, prio in _PRIORITIES if levelno >= level), 7)


class JournalFormatter(MaskingFormatter):
    """Masked, with the record's priority on every line: journald makes each line an entry,
    so a traceback's lines keep the priority of the error they belong to."""

    def __init__(self, fmt: str = JOURNAL_FORMAT) -> None:
        super().__init__(fmt)

    def format(self, record: logging.LogRecord) -> str:
        prefix = f"<{priority(record.levelno)}>"
        return "\n".join(prefix + line for line in super().format(record).splitlines())


def writes_to_journal(stream) -> bool:
    """systemd sets JOURNAL_STREAM to "<device>:<inode>" of the journal stream it connected;
    children inherit the variable, so it counts only while `stream` is still that stream."""
    device, _, inode = os.environ.get("JOURNAL_STREAM", "").partition(":")
    try:
        stat = os.fstat(stream.fileno())
    except (AttributeError, OSError, ValueError):
        return False
    return device.isdigit() and inode.isdigit() and (stat.st_dev, stat.st_ino) == (int(device), int(inode))


def journal_formatters(logger_names) -> None:
    """Every stream handler of these loggers ("" is the root) that writes to the journal gets
    the JournalFormatter (for handlers others configured: uvicorn's)."""
    for name in logger_names:
        for handler in logging.getLogger(name or None).handlers:
            if isinstance(handler, logging.StreamHandler) and writes_to_journal(handler.stream):
                handler.setFormatter(JournalFormatter())
