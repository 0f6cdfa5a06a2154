"""Configuration of one simulated 800ing centre."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["ADMIN_EXTENSION", "Ing800SimConfig"]

#: §2.9: "登录帐号需要有系统管理员权限 (100000800)".
ADMIN_EXTENSION = "100000800"


@dataclass(frozen=True)
class Ing800SimConfig:
    """Agent accounts (extension → plain password), trunks, clock speed, outcome seed and push faults.

    ``accounts`` None means ``account_count`` accounts 8001… all with ``password``. Durations are
    nominal seconds divided by ``speed``. ``push_drop_rate`` of the pushes are "lost" (recorded as
    failed in push_list, never sent), seeded so a run is repeatable.
    """

    account_count: int = 5
    password: str = field(default="800ing", repr=False)
    accounts: dict[str, str] | None = field(default=None, repr=False)
    trunks: int = 10
    speed: float = 60.0
    seed: int = 1
    push_url: str | None = None
    key_url: str | None = None
    route_url: str | None = None
    push_drop_rate: float = 0.0
    agent_ring_s: float = 2.0
    key_after_s: float = 6.0
    timezone: str = "Asia/Shanghai"

    def __post_init__(self) -> None:
        if self.trunks < 1:
            raise ValueError("trunks must be >= 1")
        if self.account_count < 0:
            raise ValueError("account_count must be >= 0")
        if self.speed <= 0:
            raise ValueError("speed must be > 0")
        if not 0.0 <= self.push_drop_rate <= 1.0:
            raise ValueError("push_drop_rate must be within 0..1")

    def account_passwords(self) -> dict[str, str]:
        """Every agent account and its password, the administrator included."""
        base = (
            dict(self.accounts)
            if self.accounts is not None
            else {str(8001 + i): self.password for i in range(self.account_count)}
        )
        base.setdefault(ADMIN_EXTENSION, self.password)
        return base
