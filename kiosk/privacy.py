"""Masking personal data for screens, receipts and logs (the rules live in common/masking.py)."""

from __future__ import annotations

import logging

from common.masking import mask_id_numbers, mask_name

__all__ = ["MaskingFilter", "mask_id_numbers", "mask_name"]


class MaskingFilter(logging.Filter):
    """Installed on every handler: whatever a log line says, no ID number leaves it whole."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_id_numbers(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True
