"""Pick the adapter from a URL, so settings carry one string (saq ``Queue.from_url`` style)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

import httpx

from batch_dialer.callcenter.base import CallCenter
from batch_dialer.callcenter.guoxin_http import DEFAULT_TIMEOUT, GuoxinHttp

__all__ = ["connect"]


def connect(
    url: str,
    password: str | None = None,
    tz: str | ZoneInfo = "Asia/Shanghai",
    timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
    transport: httpx.BaseTransport | None = None,
    clock: Callable[[], datetime] | None = None,
) -> CallCenter:
    """``http://`` / ``https://`` → the Guoxin HTTP adapter; any other scheme is a ValueError naming it."""
    scheme, sep, _ = url.partition("://")
    scheme = scheme.lower() if sep else ""
    if scheme in ("http", "https"):
        return GuoxinHttp(url, password=password, tz=tz, timeout=timeout, transport=transport, clock=clock)
    shown = repr(scheme) if scheme else "none"
    raise ValueError(f"unsupported call centre URL scheme {shown}: use http://host:port or https://host:port")
