"""What a ``callback`` campaign adds to its report: per agent (calls, answered, talk time, CSAT), the
talk-time distribution, and the recordings (per-contact rows link to them).

Read from the hang-up pushes we stored (``ing800_push``, type 3) joined to the campaign's attempts by
token; keys come from the memo or the §2.10 callback, as the collection joined them into the attempt.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, select

from batch_dialer.callcenter.masking import mask_phone
from batch_dialer.campaigns.ing800_models import Ing800Push
from batch_dialer.campaigns.models import CallAttempt, Campaign, table_of
from batch_dialer.reports.labels import resolve_key_labels
from batch_dialer.reports.satisfaction_stats import normalise_key, satisfaction_stats

__all__ = ["TALK_BUCKETS", "AgentLine", "AgentReport", "agent_report"]

_PUSH = table_of(Ing800Push)
_ATTEMPT = table_of(CallAttempt)
_CAMPAIGN = table_of(Campaign)

#: Talk-time buckets in seconds: (label, lower bound inclusive, upper bound exclusive or None).
TALK_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("0–30 s", 1, 31),
    ("31–60 s", 31, 61),
    ("1–2 min", 61, 121),
    ("2–5 min", 121, 301),
    ("> 5 min", 301, None),
)


@dataclass
class AgentLine:
    extension: str
    calls: int = 0
    answered: int = 0
    talk_seconds: int = 0
    responses: int = 0
    csat: float | None = None

    @property
    def mean_talk_seconds(self) -> float | None:
        return self.talk_seconds / self.answered if self.answered else None

    def as_json(self) -> dict[str, Any]:
        return {
            "extension": self.extension,
            "calls": self.calls,
            "answered": self.answered,
            "talk_seconds": self.talk_seconds,
            "mean_talk_seconds": None if self.mean_talk_seconds is None else round(self.mean_talk_seconds, 1),
            "responses": self.responses,
            "csat": None if self.csat is None else round(self.csat, 4),
        }


@dataclass
class AgentReport:
    agents: list[AgentLine] = field(default_factory=list)
    talk_time: dict[str, int] = field(default_factory=dict)
    recordings: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "agents": [a.as_json() for a in self.agents],
            "talk_time_distribution": self.talk_time,
            "recordings": self.recordings,
        }


def agent_report(conn: Connection, campaign_id: int, recording_base: str | None = None) -> AgentReport:
    """``recording_base``: the centre's origin; a recording's link is ``{base}/voip/record/{file}``."""
    labels = resolve_key_labels(
        conn.execute(select(_CAMPAIGN.c.key_labels).where(_CAMPAIGN.c.id == campaign_id)).scalar_one_or_none()
    )
    rows = conn.execute(
        select(
            _PUSH.c.extension,
            _PUSH.c.outcome,
            _PUSH.c.talk_seconds,
            _PUSH.c.record_file,
            _ATTEMPT.c.phone,
            _ATTEMPT.c["keys"],
            _ATTEMPT.c.token,
        )
        .select_from(_PUSH.join(_ATTEMPT, _ATTEMPT.c.token == _PUSH.c.paramvalue))
        .where(_ATTEMPT.c.campaign_id == campaign_id, _PUSH.c.push_type == 3)
        .order_by(_PUSH.c.id)
    )
    lines: dict[str, AgentLine] = {}
    keys_by_agent: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    report = AgentReport(talk_time={label: 0 for label, _, _ in TALK_BUCKETS})
    for ext, outcome, talk, record, phone, keys, token in rows:
        line = lines.setdefault(ext or "?", AgentLine(ext or "?"))
        line.calls += 1
        talk = int(talk or 0)
        if outcome != "answered":
            continue
        line.answered += 1
        line.talk_seconds += talk
        for label, low, high in TALK_BUCKETS:
            if talk >= low and (high is None or talk < high):
                report.talk_time[label] += 1
        pressed = normalise_key((keys or {}).get("satisfact")) if isinstance(keys, dict) else None
        if pressed:
            keys_by_agent[line.extension][pressed] += 1
        if record:
            link = f"{recording_base.rstrip('/')}/voip/record/{record}" if recording_base else None
            report.recordings.append(
                {
                    "token": token,
                    "phone": mask_phone(phone),
                    "agent": ext,
                    "talk_seconds": talk,
                    "file": record,
                    "url": link,
                }
            )
    for ext, line in sorted(lines.items()):
        stats = satisfaction_stats(line.answered, keys_by_agent[ext], labels)
        line.responses, line.csat = stats.responses, stats.csat
        report.agents.append(line)
    return report
