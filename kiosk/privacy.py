"""Masking personal data for screens, receipts and logs (the rules live in common/masking.py)."""

from __future__ import annotations

from common.masking import MaskingFilter, MaskingFormatter, mask_id_numbers, mask_name, mask_personal

__all__ = ["MaskingFilter", "MaskingFormatter", "mask_id_numbers", "mask_name", "mask_personal"]
