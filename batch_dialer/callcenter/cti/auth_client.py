"""``POST /api/v1/base/auth`` of the CTI phone bar: user name + MD5 password → a 12-hour token.

The token and the password never reach a log line, an exception message or ``repr``: ``CtiGrant``
hides the token from ``repr`` and every error names only the server's origin and the answer's code.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx

from batch_dialer.callcenter.cti.auth_errors import BAD_CREDENTIALS_CODE, CtiAuthRefused, CtiBadCredentials
from batch_dialer.callcenter.errors import CenterServerError, CenterUnreachable, UnexpectedResponse

__all__ = ["AUTH_PATH", "CtiAuthClient", "CtiGrant", "md5_password"]

AUTH_PATH = "/api/v1/base/auth"
#: expiresAt above this is read as milliseconds (the document's example, 1689365690, is seconds).
_MILLISECONDS_FROM = 10**11


def md5_password(plain: str) -> str:
    """The document: "password … 密码(md5加密后提交)" — the lowercase hex MD5 of the UTF-8 password."""
    return hashlib.md5(plain.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class CtiGrant:
    """What the auth endpoint granted: the agent's extension and a token valid until ``expires_at``."""

    user: str
    nickname: str
    ext_no: str
    token: str = field(repr=False)
    expires_at: datetime

    def due_for_refresh(self, now: datetime, margin: timedelta) -> bool:
        return now >= self.expires_at - margin


def _expiry(raw: Any, origin: str) -> datetime:
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise UnexpectedResponse(f"CTI at {origin}: data.expiresAt is missing or not a number")
    try:
        value = float(raw)
    except ValueError:
        raise UnexpectedResponse(f"CTI at {origin}: data.expiresAt is not a number") from None
    if value >= _MILLISECONDS_FROM:
        value /= 1000.0
    return datetime.fromtimestamp(value, UTC)


def _one_line(text: Any, limit: int = 120) -> str:
    return " ".join(str(text or "").split())[:limit]


class CtiAuthClient:
    """One pooled HTTP client for the auth endpoint; thread-safe like httpx.Client itself."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout_s: float = 10.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        parts = urlsplit(self.base_url)
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self._http = httpx.Client(
            timeout=httpx.Timeout(timeout_s, connect=min(3.0, timeout_s)), transport=transport
        )

    def close(self) -> None:
        self._http.close()

    def authenticate(self, username: str, password_md5: str) -> CtiGrant:
        """Ask for a token. Raises CtiBadCredentials (code 7), CtiAuthRefused (other codes > 0),
        CenterUnreachable, CenterServerError or UnexpectedResponse."""
        try:
            response = self._http.post(
                self.base_url + AUTH_PATH,
                json={"username": username, "password": password_md5},
                headers={"token": ""},  # the document's request example sends an empty token header
            )
        except httpx.HTTPError as exc:
            raise CenterUnreachable(
                f"CTI at {self.origin} could not be reached ({exc.__class__.__name__})"
            ) from None
        if response.status_code >= 500:
            raise CenterServerError(
                f"CTI at {self.origin} answered HTTP {response.status_code} to auth",
                code=response.status_code,
            )
        try:
            body = response.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            body = None
        if not isinstance(body, dict) or not isinstance(body.get("code"), int):
            raise UnexpectedResponse(
                f"CTI at {self.origin} answered HTTP {response.status_code} to auth without a JSON code",
                code=response.status_code,
            )
        code = int(body["code"])
        if code == BAD_CREDENTIALS_CODE:
            raise CtiBadCredentials(
                f"CTI at {self.origin} refused the sign-in (code 7): {_one_line(body.get('msg'))}", code=code
            )
        if code != 0:
            raise CtiAuthRefused(
                f"CTI at {self.origin} refused the sign-in (code {code}): {_one_line(body.get('msg'))}",
                code=code,
            )
        return self._grant(body.get("data"))

    def _grant(self, data: Any) -> CtiGrant:
        if not isinstance(data, dict):
            raise UnexpectedResponse(f"CTI at {self.origin}: code 0 without a data object")
        token = data.get("token")
        if not isinstance(token, str) or not token:
            raise UnexpectedResponse(f"CTI at {self.origin}: code 0 without data.token")
        ext_no = data.get("extNo")
        if ext_no is None or str(ext_no).strip() == "":
            raise UnexpectedResponse(f"CTI at {self.origin}: code 0 without data.extNo")
        return CtiGrant(
            user=str(data.get("user") or ""),
            nickname=str(data.get("nickname") or ""),
            ext_no=str(ext_no).strip(),
            token=token,
            expires_at=_expiry(data.get("expiresAt"), self.origin),
        )
