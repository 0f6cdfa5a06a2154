"""What a preview cell looks like on a page or in JSON: cut to a display length (a 10 MB cell never
makes a 10 MB page) and, for viewers, with phone numbers masked (138****8000)."""

from __future__ import annotations

import re

__all__ = ["mask_digits", "shown_cell", "truncated"]

# a run of digits that may be a phone number, allowing the separators people type (138-0013 8000)
_PHONE_LIKE = re.compile(r"\+?\d(?:[\d\s\-().]{5,}\d)")


_CUT = "…（共 "
_TRAILING_DIGITS = re.compile(r"\d+$")


def truncated(value: str, limit: int) -> str:
    """At most ``limit`` characters and a note of the full length; cutting twice changes nothing."""
    head, sep, _ = value.partition(_CUT)
    if len(value) <= limit or (sep and len(head) <= limit):
        return value
    return f"{value[:limit]}{_CUT}{len(value)} 字符）"


def _mask_run(match: re.Match[str]) -> str:
    run = match.group(0)
    digits = [i for i, ch in enumerate(run) if ch.isdigit()]
    if len(digits) < 7:
        return run
    keep = set(digits[:3] + digits[-4:])
    return "".join(ch if (i in keep or not ch.isdigit()) else "*" for i, ch in enumerate(run))


def mask_digits(value: str) -> str:
    """Every phone-like digit run keeps its first three and last four digits only; digits where a
    cut value was cut are hidden whole (the rest of their number is not there to judge)."""
    head, sep, tail = value.partition(_CUT)
    head = _PHONE_LIKE.sub(_mask_run, head)
    if sep:
        head = _TRAILING_DIGITS.sub(lambda m: "*" * len(m.group(0)), head)
    return head + sep + tail


def shown_cell(value: object, limit: int, masked: bool) -> str:
    text = truncated("" if value is None else str(value), limit)
    return mask_digits(text) if masked else text
