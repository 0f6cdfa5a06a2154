"""Where the CTI phone bar lives (``DIALER_CTI_*``); the defaults are the document's own examples."""

from __future__ import annotations

import re

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["CtiSettings"]


class CtiSettings(BaseSettings):
    """``DIALER_CTI_URL`` (auth), ``DIALER_CTI_WS`` (websocket), ``DIALER_CTI_SDK_URL`` (ctibar.js)."""

    model_config = SettingsConfigDict(env_prefix="DIALER_CTI_", env_file=None, extra="ignore")

    url: str = Field(
        default="http://127.0.0.1:9999",
        description="base URL of the CTI server; the token comes from POST {url}/api/v1/base/auth",
    )
    ws: str = Field(default="ws://127.0.0.1:9999/ws", description="the phone bar's websocket address")
    sdk_url: str = Field(
        default="http://127.0.0.1:9999/dist/ctibar.js",
        description="where the vendor's ctibar.js is served (loaded by the agent's browser)",
    )
    refresh_margin_s: float = Field(
        default=600.0, ge=0, description="renew the CTI token this long before its expiresAt"
    )
    timeout_s: float = Field(default=10.0, gt=0, description="seconds to wait for the auth endpoint")

    @field_validator("url", "sdk_url")
    @classmethod
    def _http(cls, value: str) -> str:
        if not re.match(r"^https?://[^/\s]+", value):
            raise ValueError(f"must be an http:// or https:// URL, got {value!r}")
        return value.rstrip("/")

    @field_validator("ws")
    @classmethod
    def _websocket(cls, value: str) -> str:
        if not re.match(r"^wss?://[^/\s]+", value):
            raise ValueError(f"must be a ws:// or wss:// URL, got {value!r}")
        return value
