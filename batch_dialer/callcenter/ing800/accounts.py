"""An 800ing agent account as the API needs it: the extension and the 32-hex MD5 of its password."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

__all__ = ["AgentAccount", "md5_password"]

_MD5 = re.compile(r"^[0-9a-fA-F]{32}$")


def md5_password(password: str) -> str:
    """§1.1 ``sa_password``: "校验密码 32 位 MD5 码"; upper-case hex like the document's example (R2)."""
    return hashlib.md5(password.encode("utf-8")).hexdigest().upper()


@dataclass(frozen=True)
class AgentAccount:
    """``sa_user`` + ``sa_password``; the MD5 is password-equivalent, so it never appears in repr."""

    extension: str
    password_md5: str = field(repr=False)

    def __post_init__(self) -> None:
        if not self.extension.strip():
            raise ValueError("an agent account needs an extension")
        if not _MD5.match(self.password_md5):
            raise ValueError("sa_password must be a 32-hex MD5")

    @classmethod
    def from_password(cls, extension: str, password: str) -> AgentAccount:
        return cls(extension.strip(), md5_password(password))
