"""The by-agent part of a report, whatever kind supplied it: per agent (calls, answered, talk time,
CSAT), the talk-time distribution and the recordings. Plain data: the report files render it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from sqlalchemy import Connection, Subquery

__all__ = ["TALK_BUCKETS", "AgentLine", "AgentReport", "AgentSource", "Link", "talk_bucket"]

#: Talk-time buckets in seconds: (label, lower bound inclusive, upper bound exclusive or None).
TALK_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("0–30 s", 1, 31),
    ("31–60 s", 31, 61),
    ("1–2 min", 61, 121),
    ("2–5 min", 121, 301),
    ("> 5 min", 301, None),
)


def talk_bucket(seconds: int) -> str | None:
    """The bucket label of an answered call's talk time (None for 0 s: nothing was said)."""
    for label, low, high in TALK_BUCKETS:
        if seconds >= low and (high is None or seconds < high):
            return label
    return None


@dataclass
class AgentLine:
    """``extension`` names the agent: the 800ing extension, or the desk user's name."""

    extension: str
    calls: int = 0
    answered: int = 0
    talk_seconds: int = 0
    responses: int = 0
    csat: float | None = None
    offered: int | None = None  # the desk only: contacts offered to the agent, dialled or not
    dispositions: dict[str, int] | None = None  # the desk only: the agent's dispositions, by code

    @property
    def mean_talk_seconds(self) -> float | None:
        return self.talk_seconds / self.answered if self.answered else None

    @property
    def answer_rate(self) -> float | None:
        return self.answered / self.calls if self.calls else None

    def as_json(self) -> dict[str, Any]:
        return {
            "extension": self.extension,
            "calls": self.calls,
            "answered": self.answered,
            "talk_seconds": self.talk_seconds,
            "mean_talk_seconds": None if self.mean_talk_seconds is None else round(self.mean_talk_seconds, 1),
            "responses": self.responses,
            "csat": None if self.csat is None else round(self.csat, 4),
            **({} if self.offered is None else {"offered": self.offered}),
            **({} if self.dispositions is None else {"dispositions": dict(self.dispositions)}),
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


class Link(NamedTuple):
    """A detail cell that links somewhere (a recording): the XLSX shows ``text`` (the URL when empty)
    as a hyperlink, the CSV the URL."""

    text: str
    url: str


@dataclass(frozen=True, slots=True)
class AgentSource:
    """How a kind with agents supplies its lines; registered by kind name in ``agent_report``.

    ``lines(conn, campaign_id, centre_url)`` gives the by-agent report; ``details(campaign_id)`` a
    subquery with one row per task: ``task_id``, ``agent``, ``talk_seconds``, ``recording`` (file or
    NULL); ``recording_url(centre_url, file)`` the link to a recording (None: no link known).
    ``section`` is the key of the kind's section in ``dialer report --json``.
    """

    section: str
    lines: Callable[[Connection, int, str | None], AgentReport]
    details: Callable[[int], Subquery]
    recording_url: Callable[[str | None, str], str | None]
