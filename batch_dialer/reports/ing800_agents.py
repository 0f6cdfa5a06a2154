"""The agent lines of a ``callback`` (800ing) campaign: per agent (calls, answered, talk time, CSAT),
the talk-time distribution, and the recordings (per-contact rows link to them).

Read from the hang-up pushes we stored (``ing800_push``, type 3) joined to the campaign's attempts by
token; keys come from the memo or the §2.10 callback, as the collection joined them into the attempt.
"""

from __future__ import annotations

from collections import defaultdict
from urllib.parse import quote, urlsplit, urlunsplit

from sqlalchemy import Connection, Subquery, func, select

from batch_dialer.callcenter.masking import mask_phone
from batch_dialer.campaigns.ing800_models import Ing800Push
from batch_dialer.campaigns.models import CallAttempt, Campaign, table_of
from batch_dialer.reports.agent_model import TALK_BUCKETS, AgentLine, AgentReport, AgentSource, talk_bucket
from batch_dialer.reports.labels import resolve_key_labels
from batch_dialer.reports.satisfaction_stats import normalise_key, satisfaction_stats

__all__ = ["ING800_AGENTS", "ing800_agent_report", "ing800_details", "ing800_recording_url"]

_PUSH = table_of(Ing800Push)
_ATTEMPT = table_of(CallAttempt)
_CAMPAIGN = table_of(Campaign)
_PREFIX = "800ing+"


def ing800_recording_url(centre_url: str | None, record_file: str) -> str | None:
    """``{origin}/voip/record/{file}`` of the configured ``800ing+http://…`` centre; no credentials in
    the link (a report file is handed around), and no link for another centre or a non-http URL."""
    if not centre_url or not record_file:
        return None
    base = centre_url.removeprefix(_PREFIX) if centre_url.startswith(_PREFIX) else centre_url
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    netloc = parts.hostname if parts.port is None else f"{parts.hostname}:{parts.port}"
    path = parts.path.rstrip("/") + "/voip/record/" + quote(record_file.lstrip("/"), safe="/._-")
    return urlunsplit((parts.scheme, netloc, path, "", ""))


def ing800_agent_report(conn: Connection, campaign_id: int, centre_url: str | None = None) -> AgentReport:
    """``centre_url``: the configured centre (``800ing+http://HOST:PORT`` or its plain origin)."""
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
        bucket = talk_bucket(talk)
        if bucket is not None:
            report.talk_time[bucket] += 1
        pressed = normalise_key((keys or {}).get("satisfact")) if isinstance(keys, dict) else None
        if pressed:
            keys_by_agent[line.extension][pressed] += 1
        if record:
            report.recordings.append(
                {
                    "token": token,
                    "phone": mask_phone(phone),
                    "agent": ext,
                    "talk_seconds": talk,
                    "file": record,
                    "url": ing800_recording_url(centre_url, record),
                }
            )
    for ext, line in sorted(lines.items()):
        stats = satisfaction_stats(line.answered, keys_by_agent[ext], labels)
        line.responses, line.csat = stats.responses, stats.csat
        report.agents.append(line)
    return report


def ing800_details(campaign_id: int) -> Subquery:
    """Per task, its last hang-up push: the agent who took it, its talk time and recording."""
    a, p = _ATTEMPT.c, _PUSH.c
    last = (
        select(a.task_id, func.max(p.id).label("push_id"))
        .select_from(_PUSH.join(_ATTEMPT, a.token == p.paramvalue))
        .where(a.campaign_id == campaign_id, p.push_type == 3)
        .group_by(a.task_id)
        .subquery()
    )
    return (
        select(
            last.c.task_id,
            p.extension.label("agent"),
            p.talk_seconds.label("talk_seconds"),
            p.record_file.label("recording"),
        )
        .select_from(last.join(_PUSH, p.id == last.c.push_id))
        .subquery()
    )


ING800_AGENTS = AgentSource(
    section="callback",
    lines=ing800_agent_report,
    details=ing800_details,
    recording_url=ing800_recording_url,
)
