"""Guoxin readings that differ between centres, from ``DIALER_GUOXIN_*`` (see docs/guoxin-contract.md).

Kept here rather than in the engine's settings because only the Guoxin adapter reads them.
"""

from __future__ import annotations

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["DEFAULT_MAX_GET_URL", "GuoxinOptions", "guoxin_options"]

#: Conservative: old proxies and IE cap a URL near 2,083 bytes; Tomcat's header limit is 8 KiB.
DEFAULT_MAX_GET_URL = 2000


class GuoxinOptions(BaseSettings):
    """Per-centre choices where the document is silent or ambiguous."""

    model_config = SettingsConfigDict(env_prefix="DIALER_GUOXIN_", env_file=None, extra="ignore")

    max_get_url: int = Field(
        default=DEFAULT_MAX_GET_URL,
        ge=256,
        description="ContactsSrvlt/PreorderSrvlt go out as GET ?data=… (as §19/§20 show them) while the "
        "whole URL fits in this many bytes, as a form POST beyond that",
    )
    tts_pwd: bool = Field(
        default=False,
        description="also sign IVR_TTS_CALL with the §3 pwd; §18 lists no pwd parameter, so off",
    )


def guoxin_options() -> GuoxinOptions:
    """The options from the environment; a bad value is a ValueError of one line naming the variable."""
    try:
        return GuoxinOptions()
    except ValidationError as exc:
        error = exc.errors()[0]
        name = "DIALER_GUOXIN_" + str(error["loc"][0]).upper() if error["loc"] else "DIALER_GUOXIN_*"
        raise ValueError(f"{name}: {error['msg']}") from None
