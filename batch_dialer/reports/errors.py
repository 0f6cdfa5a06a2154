"""Typed report failures; the CLI turns them into one line, the scheduler logs them."""

from __future__ import annotations

__all__ = ["CampaignNotFound", "ReportError", "ReportPathError"]


class ReportError(Exception):
    """A report that cannot be produced; the message is one line, safe to show."""


class CampaignNotFound(ReportError):
    """No campaign with that name or id."""


class ReportPathError(ReportError):
    """The output path cannot be written (missing directory, no permission, a directory)."""
