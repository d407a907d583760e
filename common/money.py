"""Money is integer fen (分) everywhere: a float cannot hold 0.1 yuan exactly, and a bool is an
int to Python but never an amount."""

from __future__ import annotations


def require_fen(value: object, name: str = "amount_fen", *, positive: bool = False) -> int:
    """Return `value` if it is a whole number of fen; a clear ValueError otherwise."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be an integer number of fen, not {type(value).__name__} {value!r}")
    if value < 0 or (positive and value == 0):
        raise ValueError(f"{name} must be {'positive' if positive else 'zero or more'}, not {value}")
    return value


def yuan(fen: int) -> str:
    """'¥12.30' for 1230: for screens and receipts, never for arithmetic."""
    require_fen(fen, "fen")
    return f"¥{fen // 100}.{fen % 100:02d}"
