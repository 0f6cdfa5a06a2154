"""One agent's line in a desk campaign's report (pure data, like the rest of summary_model)."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["AgentRow"]


@dataclass
class AgentRow:
    """Calls are dialled contacts; answered means the callee answered (onCalleeAnswer); CSAT is the
    share of the top two scores (1 非常满意, 2 满意) among the calls the agent scored."""

    agent: str
    offered: int = 0
    calls: int = 0
    answered: int = 0
    talk_s: int = 0
    scored: int = 0
    top_two: int = 0
    dispositions: dict[str, int] = field(default_factory=dict)

    @property
    def csat(self) -> float | None:
        return self.top_two / self.scored if self.scored else None

    @property
    def answer_rate(self) -> float | None:
        return self.answered / self.calls if self.calls else None

    def as_dict(self) -> dict[str, object]:
        return {
            "agent": self.agent,
            "offered": self.offered,
            "calls": self.calls,
            "answered": self.answered,
            "talk_s": self.talk_s,
            "scored": self.scored,
            "csat": self.csat,
            "dispositions": dict(self.dispositions),
        }
