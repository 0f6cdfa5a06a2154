"""What every request handler needs, built once by the app factory and kept on ``app.state.web``."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from fastapi.templating import Jinja2Templates
from sqlalchemy import Engine
from starlette.requests import Request

from batch_dialer.callcenter.base import CallCenter
from batch_dialer.campaigns.clock import Clock
from batch_dialer.campaigns.settings import Settings
from batch_dialer.web.channel_monitor import ChannelMonitor
from batch_dialer.web.import_jobs import ImportJobs
from batch_dialer.web.sign_in_throttle import SignInThrottle
from batch_dialer.web.web_settings import WebSettings

__all__ = ["WebState", "web_state"]


@dataclass
class WebState:
    settings: Settings
    web: WebSettings
    engine: Engine
    centre: CallCenter | None
    clock: Clock
    jobs: ImportJobs
    monitor: ChannelMonitor
    templates: Jinja2Templates
    throttle: SignInThrottle
    password_pool: ThreadPoolExecutor  # scrypt checks only: a sign-in flood never holds other requests

    def close(self) -> None:
        self.monitor.close()
        self.jobs.close()
        self.password_pool.shutdown(wait=False, cancel_futures=True)


def web_state(request: Request) -> WebState:
    state = request.app.state.web
    assert isinstance(state, WebState)
    return state
