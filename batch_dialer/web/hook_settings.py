"""Settings of the 800ing webhook endpoints (``DIALER_HOOK_SECRET`` and the default key replies)."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["HookSettings"]


class HookSettings(BaseSettings):
    """Without ``hook_secret`` the endpoints answer 404 to everything."""

    model_config = SettingsConfigDict(env_prefix="DIALER_", env_file=None, extra="ignore")

    hook_secret: SecretStr | None = Field(
        default=None, description="the secret path segment of /hooks/800ing/{secret}/…; unset = endpoints off"
    )
    key_reply: str = Field(
        default="感谢您的评价，再见。",
        description="§2.10 text played after a key when the campaign sets none",
    )
    opt_out_key: str | None = Field(default=None, description="a key that puts the caller on the DNC list")
    opt_out_reply: str = Field(
        default="已为您退订，今后不再致电，再见。", description="played after the opt-out key"
    )

    def secret(self) -> str | None:
        value = self.hook_secret.get_secret_value() if self.hook_secret else ""
        return value or None
