"""What a report says, as plain dataclasses: every writer (xlsx, csv, html, --json) reads only these,
and tests compare them with the simulator's ground truth."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from batch_dialer.campaigns.campaign_figures import FIGURE_LABELS
from batch_dialer.campaigns.kinds.registry import reports_delivery
from batch_dialer.reports.agent_model import AgentReport

__all__ = [
    "AttemptNumberStats",
    "BreakdownRow",
    "CampaignInfo",
    "CrossCheck",
    "Disagreement",
    "OutcomeCount",
    "PendingDue",
    "RateBucket",
    "ReportSummary",
    "SatisfactionStats",
]


@dataclass(frozen=True, slots=True)
class CampaignInfo:
    id: int
    name: str
    kind: str  # tts | captcha | soap_tts
    tz: str
    status: str
    key_labels: dict[str, str]  # best first


@dataclass(frozen=True, slots=True)
class OutcomeCount:
    outcome: str
    label: str
    count: int
    share: float  # of all contacts


@dataclass(frozen=True, slots=True)
class AttemptNumberStats:
    """Placements with this ordinal (1 = first call, 2 = first retry, ...) and how many were answered."""

    number: int
    placed: int
    answered: int

    @property
    def answer_rate(self) -> float | None:
        return self.answered / self.placed if self.placed else None


@dataclass(frozen=True, slots=True)
class RateBucket:
    """Placements in one local hour of the day ("09") or one local day ("2024-05-01")."""

    key: str
    placed: int
    answered: int

    @property
    def answer_rate(self) -> float | None:
        return self.answered / self.placed if self.placed else None


@dataclass(frozen=True, slots=True)
class PendingDue:
    """Work left: pending tasks (due now or later, by local hour) and calls in flight."""

    pending: int
    due_now: int
    in_flight: int
    next_due: datetime | None  # local time
    last_due: datetime | None
    by_hour: list[tuple[datetime, int]]  # local hour start -> tasks due then (future only)


@dataclass(frozen=True, slots=True)
class SatisfactionStats:
    """Keys pressed by answered contacts. CSAT and mean count only keys that have a label."""

    answered: int
    responses: int  # answered contacts that pressed the satisfaction key (any key)
    distribution: dict[str, int]  # key -> contacts, labelled keys first in label order
    labels: dict[str, str]
    csat: float | None  # share of the first two labels among labelled responses
    mean: float | None  # mean of the numeric labelled keys
    ci95: tuple[float, float] | None  # Student t interval of the mean

    @property
    def response_rate(self) -> float | None:
        return self.responses / self.answered if self.answered else None

    @property
    def valid_responses(self) -> int:
        return sum(n for key, n in self.distribution.items() if key in self.labels)


@dataclass(frozen=True, slots=True)
class BreakdownRow:
    group: str
    contacts: int
    stats: SatisfactionStats


@dataclass(frozen=True, slots=True)
class Disagreement:
    token: str
    phone: str  # masked unless the report is unmasked
    kind: str  # centre_answered | centre_not_answered
    ours: str
    centre: str


@dataclass(frozen=True, slots=True)
class CrossCheck:
    """Our attempts against the centre's call log (§21 CALL_LOG_QUERY); ``checked`` False = skipped."""

    checked: bool
    note: str
    centre_rows: int = 0  # log rows matched to this campaign's calls (callee and time)
    ours_placed: int = 0  # our placed attempts in the same dates
    missing_in_centre: int = 0
    disagreements_by_kind: dict[str, int] = field(default_factory=dict)
    examples: list[Disagreement] = field(default_factory=list)
    mean_duration_s: float | None = None  # of the calls the centre marks answered


@dataclass(slots=True)
class ReportSummary:
    campaign: CampaignInfo
    generated_at: datetime
    satisfaction_var: str
    contacts: int
    dialled: int
    answered: int
    keyed: int
    attempts: int  # real placements
    outcomes: list[OutcomeCount]
    attempts_per_contact: dict[int, int]  # placements -> contacts
    by_attempt_number: list[AttemptNumberStats]
    by_hour: list[RateBucket]  # 24 local hours
    by_day: list[RateBucket]  # local days with placements
    pending: PendingDue
    satisfaction: SatisfactionStats | None  # None for the captcha kind
    by_product: list[BreakdownRow]
    by_batch: list[BreakdownRow]
    by_day_satisfaction: list[BreakdownRow]
    rejected_rows: int
    crosscheck: CrossCheck | None = None
    file: str | None = None  # set once the report file is written
    agents: AgentReport | None = None  # kinds with agents (reports.agent_report); not in as_json
    centre_url: str | None = None  # the configured centre: recording links in the files

    @property
    def by_outcome(self) -> dict[str, int]:
        return {row.outcome: row.count for row in self.outcomes}

    @property
    def retry_yield(self) -> dict[int, int]:
        """Answered placements that were retries (ordinal >= 2): what retrying bought."""
        return {row.number: row.answered for row in self.by_attempt_number if row.number >= 2}

    @property
    def answer_rate(self) -> float | None:
        """Contacts answered among contacts dialled."""
        return self.answered / self.dialled if self.dialled else None

    @property
    def is_delivery(self) -> bool:
        """Some kinds (captcha) report delivery (answered / not) instead of satisfaction."""
        return reports_delivery(self.campaign.kind)

    def as_json(self) -> dict[str, Any]:
        """The `dialer report --json` document (the shape issue 5 fixes)."""
        sat = self.satisfaction
        doc: dict[str, Any] = {
            "campaign": self.campaign.name,
            "file": self.file,
            "contacts": self.contacts,
            "dialled": self.dialled,
            "answered": self.answered,
            "keyed": self.keyed,
            "by_outcome": self.by_outcome,
            "attempts": self.attempts,
            "retry_yield": {str(k): v for k, v in self.retry_yield.items()},
            "satisfaction": dict(sat.distribution) if sat else {},
            "csat": _round(sat.csat) if sat else None,
            "mean": _round(sat.mean) if sat else None,
            "ci95": [_round(sat.ci95[0]), _round(sat.ci95[1])] if sat and sat.ci95 else None,
            "answer_rate": _round(self.answer_rate),
            "labels": {key: FIGURE_LABELS[key] for key in _LABELLED},
        }
        return doc


_LABELLED = ("contacts", "dialled", "answered", "keyed", "attempts", "answer_rate")


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
