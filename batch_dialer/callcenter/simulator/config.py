"""Configuration of one simulated Guoxin centre."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["SimulatorConfig"]


@dataclass(frozen=True)
class SimulatorConfig:
    """What the centre has (channels, agents), how fast its clock runs, and which faults it injects.

    ``speed`` divides durations only: a call of nominal 60 s lasts 60/speed real seconds, while
    timestamps stay real wall time. ``waiting_line`` None means "as many as channels".
    """

    channels: int = 30
    agents: int = 5
    speed: float = 60.0
    seed: int = 1
    fault_rate: float = 0.0
    latency_ms: int = 0
    unavailable: bool = False
    password: str | None = field(default=None, repr=False)
    waiting_line: int | None = None
    unpaid: frozenset[str] = frozenset()
    timezone: str = "Asia/Shanghai"
    #: §3 lists no 483 for captcha calls: False makes a repeated captcha id a new call (dialled again),
    #: as a centre that follows §3 to the letter might, so tests cannot lean on 483.
    captcha_483: bool = True

    def __post_init__(self) -> None:
        if self.channels < 1:
            raise ValueError("channels must be >= 1")
        if self.agents < 0:
            raise ValueError("agents must be >= 0")
        if self.speed <= 0:
            raise ValueError("speed must be > 0")
        if not 0.0 <= self.fault_rate <= 1.0:
            raise ValueError("fault_rate must be within 0..1")
        if self.latency_ms < 0:
            raise ValueError("latency_ms must be >= 0")
        if self.waiting_line is not None and self.waiting_line < 0:
            raise ValueError("waiting_line must be >= 0")
        object.__setattr__(self, "unpaid", frozenset(self.unpaid))

    @property
    def effective_waiting_line(self) -> int:
        return self.channels if self.waiting_line is None else self.waiting_line
