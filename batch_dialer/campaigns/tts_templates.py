"""TTS templates: ``{field}`` placeholders filled per contact, checked before a campaign is created.

Only plain field names are placeholders (no ``str.format`` attribute or index access, so a template can
never reach into Python objects); ``{{`` and ``}}`` are literal braces.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

__all__ = ["BUILTIN_FIELDS", "contact_fields", "render_tts", "template_placeholders"]

#: Placeholders every contact has (missing values render empty); extra fields come from Contact.extra.
BUILTIN_FIELDS: tuple[str, ...] = ("name", "company", "phone_masked", "product")
_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")


def template_placeholders(template: str) -> list[str]:
    """Placeholder names in order; ValueError on stray braces or names that are not identifiers.
    ``{{`` and ``}}`` are literal braces."""
    names = []
    for match in _TOKEN.finditer(template):
        token = match.group(0)
        if token in ("{{", "}}"):
            continue
        if match.group(1) is None:
            raise ValueError(f"unbalanced {token!r} (write {token * 2} for a literal brace)")
        name = match.group(1).strip()
        if not name.isidentifier():
            raise ValueError(f"placeholder {{{match.group(1)}}} is not a field name")
        names.append(name)
    return names


def render_tts(template: str, fields: Mapping[str, object]) -> str:
    """Fill ``{field}`` placeholders; a missing or None field becomes an empty string, never KeyError."""

    def fill(match: re.Match[str]) -> str:
        token = match.group(0)
        if token in ("{{", "}}"):
            return token[0]
        if match.group(1) is None:
            return token
        value = fields.get(match.group(1).strip())
        return "" if value is None else str(value)

    return _TOKEN.sub(fill, template)


def _mask(phone: str) -> str:
    return "*" * len(phone) if len(phone) <= 7 else f"{phone[:3]}{'*' * (len(phone) - 7)}{phone[-4:]}"


def contact_fields(
    *,
    phone: str,
    name: str | None = None,
    company: str | None = None,
    product: str | None = None,
    extra: Mapping[str, object] | None = None,
) -> dict[str, object]:
    """The mapping :func:`render_tts` fills from: extra fields first, built-ins win on a clash."""
    fields: dict[str, object] = dict(extra or {})
    fields.update(name=name, company=company, phone_masked=_mask(phone), product=product)
    return fields
