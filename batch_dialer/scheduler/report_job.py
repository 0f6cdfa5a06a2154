"""The `--report-cron` job: export a campaign's report into its `--report-dir` on schedule."""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import Engine, select

from batch_dialer.callcenter.base import CallCenter
from batch_dialer.campaigns.models import Campaign, table_of
from batch_dialer.campaigns.report_folder import confined_report_dir

__all__ = ["report_exporter"]

log = logging.getLogger("batch_dialer.scheduler.reports")
_campaign = table_of(Campaign)


def report_exporter(engine: Engine, centre: CallCenter | None = None) -> Callable[[int], None]:
    """A job that writes the XLSX and HTML reports of one campaign, cross-checked with the centre."""

    def export(campaign_id: int) -> None:
        # imported when a report is due: the report writers are not needed by a process that only dials
        from batch_dialer.reports.errors import ReportError
        from batch_dialer.reports.export import export_report

        with engine.connect() as conn:
            folder = conn.scalar(select(_campaign.c.report_dir).where(_campaign.c.id == campaign_id))
        target = confined_report_dir(folder)  # refuses a folder outside DIALER_REPORT_BASE_DIR
        target.mkdir(parents=True, exist_ok=True)
        for fmt in ("xlsx", "html"):
            try:
                summary = export_report(engine, campaign_id, fmt, target, centre=centre)
            except ReportError as exc:
                log.error("scheduled %s report of campaign %s failed: %s", fmt, campaign_id, exc)
                continue
            log.info("scheduled report written: %s", summary.file)

    return export
