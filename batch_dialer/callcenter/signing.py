"""The ``pwd`` signature of captcha calls (§3; IVR_TTS_CALL only with DIALER_GUOXIN_TTS_PWD, see
docs/guoxin-contract.md), and the centre's "today"."""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from zoneinfo import ZoneInfo

__all__ = ["NO_PASSWORD", "captcha_pwd", "centre_today"]

#: What ``pwd`` carries when the centre has no password set.
NO_PASSWORD = "no"


def captcha_pwd(password: str | None, callee: str, code: str, day: date) -> str:
    """Lowercase hex md5 of password + callee + code + YYYY-MM-DD (code is "" for IVR_TTS_CALL); ``no``
    without a password. The date must be the centre's date, not ours (see ``centre_today``)."""
    if not password:
        return NO_PASSWORD
    text = f"{password}{callee}{code}{day.isoformat()}"
    return hashlib.md5(text.encode("utf-8"), usedforsecurity=False).hexdigest()


def centre_today(tz: ZoneInfo, now: datetime | None = None) -> date:
    """Today's date in the centre's time zone; around midnight it differs from the UTC or local date."""
    if now is None:
        return datetime.now(tz).date()
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now.astimezone(tz).date()
