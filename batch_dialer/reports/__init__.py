"""Outcome and satisfaction reports of a campaign, exported as xlsx / csv / html.

``build_summary`` gives every figure as a dataclass (what tests compare with the simulator's ground
truth); ``export_report`` writes a file (what the CLI and the scheduler's ``--report-cron`` call).
"""

from batch_dialer.reports.errors import CampaignNotFound, ReportError, ReportPathError
from batch_dialer.reports.export import FORMATS, default_file_name, export_report
from batch_dialer.reports.html_report import render_html
from batch_dialer.reports.labels import DEFAULT_KEY_LABELS, OUTCOME_LABELS
from batch_dialer.reports.summary_builder import DEFAULT_SATISFACTION_VAR, build_summary
from batch_dialer.reports.summary_model import (
    AttemptNumberStats,
    BreakdownRow,
    CampaignInfo,
    CrossCheck,
    Disagreement,
    OutcomeCount,
    PendingDue,
    RateBucket,
    ReportSummary,
    SatisfactionStats,
)

__all__ = [
    "DEFAULT_KEY_LABELS",
    "DEFAULT_SATISFACTION_VAR",
    "FORMATS",
    "OUTCOME_LABELS",
    "AttemptNumberStats",
    "BreakdownRow",
    "CampaignInfo",
    "CampaignNotFound",
    "CrossCheck",
    "Disagreement",
    "OutcomeCount",
    "PendingDue",
    "RateBucket",
    "ReportError",
    "ReportPathError",
    "ReportSummary",
    "SatisfactionStats",
    "build_summary",
    "default_file_name",
    "export_report",
    "render_html",
]
