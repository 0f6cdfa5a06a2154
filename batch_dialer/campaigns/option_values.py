"""Small parsers shared by the campaign options and the kinds' options."""

from __future__ import annotations

from typing import Any

__all__ = ["option_name", "pairs"]

_OPTION_NAMES = {"all_contacts": "--all", "key_label": "--key-label", "ivr_max": "--ivr-max"}


def option_name(field: str) -> str:
    """The CLI option of a field: ``code_digits`` → ``--code-digits``."""
    return _OPTION_NAMES.get(field, "--" + field.replace("_", "-"))


def pairs(value: Any, option: str, what: str) -> Any:
    """CLI ``["k=v", …]`` → dict (a dict passes through); duplicates and missing ``=`` are errors."""
    if not isinstance(value, list | tuple):
        return value
    out: dict[str, str] = {}
    for item in value:
        key, sep, text = str(item).partition("=")
        key = key.strip()
        if not sep or not key:
            raise ValueError(f"{option} {str(item)[:40]!r}: expected {what}")
        if key in out:
            raise ValueError(f"{option} {key!r}: given twice")
        out[key] = text
    return out
