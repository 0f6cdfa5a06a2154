"""Settings from `DIALER_*` environment variables; every default works on a laptop."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from batch_dialer.callcenter.adapters import product_for_url

__all__ = ["Settings", "get_settings", "mask_url"]

_URL_PASSWORD = re.compile(r"(?P<head>[a-z][a-z0-9+.\-]*://[^:/@\s]*:)(?P<pw>[^@/\s]+)(?P<at>@)", re.I)


def mask_url(url: str | None) -> str | None:
    """Hide the password part of a URL such as postgresql://user:secret@host/db."""
    if url is None:
        return None
    return _URL_PASSWORD.sub(lambda m: f"{m.group('head')}***{m.group('at')}", url)


class Settings(BaseSettings):
    """Effective configuration; `dialer config` prints it with secrets masked."""

    model_config = SettingsConfigDict(env_prefix="DIALER_", env_file=None, extra="ignore")

    database_url: str = Field(
        default="sqlite:///dialer.db",
        description="SQLAlchemy URL: sqlite:///file.db (default, in the working directory) "
        "or postgresql+psycopg://user@host/db",
    )
    redis_url: str | None = Field(
        default=None, description="redis://host:6379/0 to scale out; unset = embedded in-process broker"
    )
    redis_namespace: str = Field(default="dialer", description="prefix of every Redis key we write")
    callcenter_url: str = Field(
        default="http://127.0.0.1:12121", description="base URL of the Guoxin call centre (or the simulator)"
    )
    callcenter_password: SecretStr | None = Field(
        default=None, description="the centre's API password (signs captcha/TTS calls); unset = 'no'"
    )
    callcenter_tz: str = Field(default="Asia/Shanghai", description="the call centre's time zone")
    http_timeout: float = Field(default=10.0, gt=0, description="seconds to wait for a centre's answer")
    http_connect_timeout: float = Field(default=3.0, gt=0, description="seconds to connect to the centre")
    soap_operation_timeout: float = Field(default=15.0, gt=0, description="seconds for one SOAP operation")
    poll_interval: float = Field(default=5.0, gt=0, description="seconds between result polls of a call")
    poll_hints: bool = Field(
        default=True,
        description="tail the centre's call log (Guoxin §21) and poll the calls it says ended; the others "
        "only every 6 poll intervals",
    )
    pacer_interval: float = Field(default=1.0, gt=0, description="seconds between pacing ticks")
    claim_lease: float = Field(default=30.0, gt=0, description="seconds before an unplaced claim is re-sent")
    worker_threads: int = Field(default=8, ge=1, description="dramatiq threads per worker process")
    retention_days: int = Field(
        default=180,
        ge=0,
        description="days after a campaign finished before its phone numbers are masked "
        "(`dialer retention`, nightly in the scheduler); 0 = never",
    )
    log_level: str | None = Field(
        default=None,
        description="DEBUG, INFO, WARNING, ERROR or CRITICAL for every dialer process; "
        "unset: INFO for scheduler/worker/web, WARNING for one-shot commands",
    )

    @field_validator("callcenter_tz")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        name = value.strip().upper()
        if name not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            raise ValueError(f"must be DEBUG, INFO, WARNING, ERROR or CRITICAL, got {value!r}")
        return name

    @field_validator("callcenter_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        """A URL whose scheme names a registered centre product (http/https: Guoxin)."""
        # a leading digit is allowed: the 800ing scheme is 800ing+http://
        if not re.match(r"^[A-Za-z0-9][A-Za-z0-9+.-]*://[^/\s]+", value):
            raise ValueError(f"must be a URL such as http://host:port, got {mask_url(value)!r}")
        product_for_url(value)
        return value.rstrip("/")

    @property
    def embedded(self) -> bool:
        """True when no Redis is configured: broker and scheduler run in-process."""
        return not self.redis_url

    def password(self) -> str | None:
        return self.callcenter_password.get_secret_value() if self.callcenter_password else None

    def masked(self) -> dict[str, Any]:
        """The effective settings with every secret hidden, for display."""
        shown: dict[str, Any] = {}
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, SecretStr):
                value = "********" if value.get_secret_value() else ""
            elif name.endswith("_url"):
                value = mask_url(value)
            shown[name] = value
        shown["mode"] = "embedded" if self.embedded else "scaled-out"
        return shown


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
