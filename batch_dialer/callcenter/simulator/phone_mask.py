"""Phone masking for the simulator's logs (138****8000)."""

from __future__ import annotations

__all__ = ["mask_phone"]


def mask_phone(number: str) -> str:
    if len(number) < 8:
        return number[:1] + "*" * max(len(number) - 1, 0)
    return f"{number[:3]}****{number[-4:]}"
