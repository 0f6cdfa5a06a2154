"""Where scheduled reports may be written: inside one configured base folder, never anywhere else.

A campaign's ``report_dir`` comes from whoever created it (the web API, a script), so it is checked
both when the campaign is created and again when the scheduler writes (a symlink may have changed
since). Relative folders are taken inside the base; ``..`` and symlinks are resolved before the check.
"""

from __future__ import annotations

import os
from pathlib import Path

from batch_dialer.campaigns.campaign_options import CampaignOptionsError

__all__ = ["REPORT_BASE_ENV", "ReportFolderError", "confined_report_dir", "report_base_dir"]

REPORT_BASE_ENV = "DIALER_REPORT_BASE_DIR"
DEFAULT_BASE = "reports"


class ReportFolderError(CampaignOptionsError):
    """A report folder outside the base folder; one line naming both."""


def report_base_dir() -> Path:
    """``DIALER_REPORT_BASE_DIR``, or ``reports`` in the working directory."""
    return Path(os.environ.get(REPORT_BASE_ENV) or DEFAULT_BASE).expanduser().resolve()


def confined_report_dir(folder: str | None, base: Path | None = None) -> Path:
    """The folder to write into (the base itself when none is given); ReportFolderError outside it."""
    root = (base or report_base_dir()).resolve()
    if not folder or not folder.strip():
        return root
    given = Path(folder.strip()).expanduser()
    target = (given if given.is_absolute() else root / given).resolve()
    if not target.is_relative_to(root):
        raise ReportFolderError(
            f"--report-dir {folder!r}: reports may only be written inside {root} (set {REPORT_BASE_ENV})"
        )
    return target
