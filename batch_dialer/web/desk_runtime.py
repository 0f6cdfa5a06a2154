"""What the desk needs besides the console's state: the CTI settings, one auth client, the lease
length, and each signed-in agent's token keeper (CTI credentials in this process's memory only).

Built lazily from the environment on the first desk request; tests put their own on
``app.state.desk`` before serving.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import timedelta

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from starlette.requests import Request

from batch_dialer.callcenter.cti import CtiAuthClient, CtiSettings, CtiTokenKeeper
from batch_dialer.web.app_state import web_state

__all__ = ["DeskRuntime", "DeskSettings", "desk_runtime"]


class DeskSettings(BaseSettings):
    """``DIALER_DESK_*``: how long an offered contact stays with an agent without a heartbeat."""

    model_config = SettingsConfigDict(env_prefix="DIALER_DESK_", env_file=None, extra="ignore")

    lease_s: float = Field(
        default=60.0, gt=0, description="an offer is released this long after the desk's last heartbeat"
    )


@dataclass
class DeskRuntime:
    cti: CtiSettings
    desk: DeskSettings
    auth: CtiAuthClient
    keepers: dict[int, CtiTokenKeeper] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def build(cls, cti: CtiSettings | None = None, desk: DeskSettings | None = None) -> DeskRuntime:
        cti = cti or CtiSettings()
        return cls(cti=cti, desk=desk or DeskSettings(), auth=CtiAuthClient(cti.url, timeout_s=cti.timeout_s))

    @property
    def refresh_margin(self) -> timedelta:
        return timedelta(seconds=self.cti.refresh_margin_s)

    def keeper(self, user_id: int) -> CtiTokenKeeper | None:
        with self.lock:
            return self.keepers.get(user_id)

    def keep(self, user_id: int, keeper: CtiTokenKeeper) -> None:
        with self.lock:
            old = self.keepers.pop(user_id, None)
            if old is not None:
                old.forget()
            self.keepers[user_id] = keeper

    def forget(self, user_id: int) -> None:
        with self.lock:
            old = self.keepers.pop(user_id, None)
        if old is not None:
            old.forget()

    def close(self) -> None:
        with self.lock:
            for keeper in self.keepers.values():
                keeper.forget()
            self.keepers.clear()
        self.auth.close()


_build_lock = threading.Lock()


def desk_runtime(request: Request) -> DeskRuntime:
    app_state = request.app.state
    with _build_lock:
        runtime = getattr(app_state, "desk", None)
        if runtime is None:
            web_state(request)  # the console must be set up first
            runtime = DeskRuntime.build()
            app_state.desk = runtime
    assert isinstance(runtime, DeskRuntime)
    return runtime
