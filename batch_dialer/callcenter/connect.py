"""Open the adapter a URL names (saq ``Queue.from_url`` style): settings carry one string."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

import httpx

from batch_dialer.callcenter.adapters import AdapterOptions, product_for_url
from batch_dialer.callcenter.base import CallCenter
from batch_dialer.callcenter.capabilities import CentreAdapter
from batch_dialer.callcenter.guoxin_http import DEFAULT_TIMEOUT

__all__ = ["connect", "open_adapter"]


def open_adapter(
    url: str,
    password: str | None = None,
    tz: str | ZoneInfo = "Asia/Shanghai",
    timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
    transport: httpx.BaseTransport | None = None,
    clock: Callable[[], datetime] | None = None,
) -> CentreAdapter:
    """The adapter of the product the URL's scheme names; an unknown scheme is a ValueError naming it."""
    options = AdapterOptions(url, password=password, tz=tz, timeout=timeout, transport=transport, clock=clock)
    return product_for_url(url).open(options)


def connect(
    url: str,
    password: str | None = None,
    tz: str | ZoneInfo = "Asia/Shanghai",
    timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
    transport: httpx.BaseTransport | None = None,
    clock: Callable[[], datetime] | None = None,
) -> CallCenter:
    """A Guoxin-style centre (importers, reports and ``centre`` commands use its whole HTTP surface)."""
    adapter = open_adapter(url, password, tz, timeout, transport, clock)
    if not isinstance(adapter, CallCenter):
        adapter.close()
        raise ValueError(
            f"the centre at this URL is not a Guoxin-style HTTP centre ({type(adapter).__name__})"
        )
    return adapter
