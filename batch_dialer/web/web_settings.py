"""Settings of the web console only (`DIALER_WEB_*`); the shared ones stay in campaigns.settings."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["WebSettings"]


class WebSettings(BaseSettings):
    """Limits and housekeeping of `dialer web`; every default works on a laptop."""

    model_config = SettingsConfigDict(env_prefix="DIALER_WEB_", env_file=None, extra="ignore")

    max_upload_mb: float = Field(default=50, gt=0, description="largest accepted upload")
    max_uncompressed_mb: float = Field(
        default=200, gt=0, description="a workbook that unpacks to more than this is refused (zip bomb)"
    )
    max_compression_ratio: float = Field(
        default=100, gt=1, description="a workbook entry packed tighter than this is refused (zip bomb)"
    )
    work_dir: Path = Field(
        default=Path("web-uploads"), description="uploads in progress and reject workbooks"
    )
    session_hours: float = Field(default=12, gt=0, description="a sign-in lasts this long")
    secure_cookie: bool = Field(default=False, description="always mark the cookie Secure (behind TLS)")
    monitor_interval_s: float = Field(default=3.0, gt=0, description="how often the channel chart samples")
    monitor_window_s: float = Field(default=600.0, gt=0, description="how much channel history to keep")
    lockout_failures: int = Field(default=5, ge=1, description="failed sign-ins before a lock-out")
    lockout_minutes: float = Field(default=15, gt=0, description="length of a lock-out")
    login_ip_failures: int = Field(
        default=20, ge=1, description="failed sign-ins from one address within the window before 429"
    )
    login_ip_window_minutes: float = Field(default=5, gt=0, description="the per-address window")
    password_check_threads: int = Field(
        default=1, ge=1, description="threads for scrypt checks (sign-ins never starve other requests)"
    )
    preview_ttl_hours: float = Field(
        default=24, gt=0, description="an upload neither confirmed nor discarded is removed after this"
    )
    preview_cell_chars: int = Field(default=200, ge=10, description="a preview cell is cut to this length")

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * 1024 * 1024)

    @property
    def max_uncompressed_bytes(self) -> int:
        return int(self.max_uncompressed_mb * 1024 * 1024)
