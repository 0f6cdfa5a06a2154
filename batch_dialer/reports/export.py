"""Write a campaign report to a file: what `dialer report` and the scheduler's `--report-cron` call.

The file is written under a temporary name in the target directory and renamed into place, so a
reader (or a crash) never sees half a report.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from pathlib import Path
from typing import Final, Literal

from sqlalchemy import Engine

from batch_dialer.callcenter.base import CallCenter
from batch_dialer.campaigns.clock import Clock, system_clock
from batch_dialer.reports.csv_report import write_csv
from batch_dialer.reports.errors import ReportError, ReportPathError
from batch_dialer.reports.html_report import write_html
from batch_dialer.reports.summary_builder import DEFAULT_SATISFACTION_VAR, build_summary
from batch_dialer.reports.summary_model import ReportSummary
from batch_dialer.reports.xlsx_report import write_xlsx

__all__ = ["FORMATS", "ReportFormat", "default_file_name", "export_report"]

ReportFormat = Literal["xlsx", "csv", "html"]
FORMATS: Final[tuple[str, ...]] = ("xlsx", "csv", "html")
_UNSAFE = re.compile(r'[\\/:*?"<>|\s]+')


def default_file_name(summary: ReportSummary, fmt: str) -> str:
    """e.g. 满意度回访-20240507-1400.xlsx (campaign-local time of the report)."""
    name = _UNSAFE.sub("_", summary.campaign.name).strip("._") or f"campaign-{summary.campaign.id}"
    return f"{name}-{summary.generated_at:%Y%m%d-%H%M}.{fmt}"


def _target(out_path: str | Path | None, summary: ReportSummary, fmt: str) -> Path:
    """A directory (or None = the working directory) gets a dated file name inside it."""
    path = Path(out_path) if out_path is not None else Path.cwd()
    if path.is_dir():
        path = path / default_file_name(summary, fmt)
    parent = path.parent
    if not parent.is_dir():
        raise ReportPathError(f"cannot write {path}: directory {parent} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise ReportPathError(f"cannot write {path}: no permission to write in {parent}")
    return path


def export_report(
    engine: Engine,
    campaign_name_or_id: str | int,
    fmt: str,
    out_path: str | Path | None,
    unmasked: bool = False,
    centre: CallCenter | None = None,
    *,
    satisfaction_var: str = DEFAULT_SATISFACTION_VAR,
    clock: Clock = system_clock,
    centre_url: str | None = None,
) -> ReportSummary:
    """Build the summary, write the report as ``fmt`` to ``out_path`` (a file, or a directory for a
    dated name inside it) and return the summary with ``file`` set. ``centre_url`` (the configured
    centre) makes recording links in the by-agent part. Raises ReportError subclasses."""
    if fmt not in FORMATS:
        raise ReportError(f"unknown report format {fmt!r}: use one of {', '.join(FORMATS)}")
    summary = build_summary(
        engine,
        campaign_name_or_id,
        satisfaction_var=satisfaction_var,
        clock=clock,
        centre=centre,
        unmasked=unmasked,
        centre_url=centre_url,
    )
    path = _target(out_path, summary, fmt)
    try:
        handle, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    except OSError as exc:
        raise ReportPathError(f"cannot write {path}: {exc.strerror or exc}") from None
    os.close(handle)
    temp = Path(temp_name)
    try:
        if fmt == "html":
            write_html(summary, temp)
        else:
            with engine.connect() as conn:
                if fmt == "xlsx":
                    write_xlsx(conn, summary, temp, unmasked)
                else:
                    write_csv(conn, summary, temp, unmasked)
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    except OSError as exc:
        raise ReportPathError(f"cannot write {path}: {exc.strerror or exc}") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
    summary.file = str(path)
    return summary
