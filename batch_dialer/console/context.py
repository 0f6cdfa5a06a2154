"""Opening what a command needs from the settings, with configuration mistakes as one line."""

from __future__ import annotations

from collections.abc import Callable

import httpx
from sqlalchemy import Engine

from batch_dialer.callcenter.base import CallCenter
from batch_dialer.callcenter.capabilities import CentreAdapter
from batch_dialer.callcenter.connect import open_adapter
from batch_dialer.callcenter.guoxin_soap import GuoxinSoap
from batch_dialer.campaigns.database import open_database
from batch_dialer.campaigns.settings import Settings
from batch_dialer.console.errors import UserError

__all__ = ["open_adapter_for", "open_centre", "open_engine", "soap_factory"]


def open_engine(settings: Settings) -> Engine:
    return open_database(settings.database_url)


def open_centre(settings: Settings) -> CallCenter:
    """The configured centre when commands need the whole Guoxin HTTP surface (`dialer centre …`)."""
    adapter = open_adapter_for(settings)
    if not isinstance(adapter, CallCenter):
        adapter.close()
        raise UserError("configuration: DIALER_CALLCENTER_URL: this command needs a Guoxin-style centre")
    return adapter


def open_adapter_for(settings: Settings) -> CentreAdapter:
    """The configured centre's adapter, whatever its product (the engine asks it for capabilities)."""
    timeout = httpx.Timeout(settings.http_timeout, connect=settings.http_connect_timeout)
    try:
        return open_adapter(settings.callcenter_url, settings.password(), settings.callcenter_tz, timeout)
    except ValueError as exc:
        raise UserError(f"configuration: DIALER_CALLCENTER_URL: {exc}") from None


def soap_factory(settings: Settings) -> Callable[[], GuoxinSoap]:
    def build() -> GuoxinSoap:
        return GuoxinSoap(
            settings.callcenter_url,
            timeout=settings.http_timeout,
            operation_timeout=settings.soap_operation_timeout,
            tz=settings.callcenter_tz,
        )

    return build
