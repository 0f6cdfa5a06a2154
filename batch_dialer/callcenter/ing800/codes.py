"""The §1.2 code table of 800ing (document 004) as typed errors.

Every answer is JSON with ``code``; 0 is success. The negative codes become subclasses of the engine's
:class:`~batch_dialer.callcenter.errors.CallCenterError`, so a wrong password stops a campaign exactly
as Guoxin's 401 does. Messages name the centre's origin and the operation only — never the account's
MD5, the password, or an unmasked phone number.
"""

from __future__ import annotations

import re

from batch_dialer.callcenter.errors import (
    BadParameters,
    BadPassword,
    CallCenterError,
    CenterServerError,
    CenterUnavailable,
    DuplicateSubmission,
    NotFound,
    UnexpectedResponse,
)
from batch_dialer.callcenter.masking import redact

__all__ = [
    "CODE_TABLE",
    "AccountBusy",
    "FileSaveFailed",
    "LimitExceeded",
    "NoPermission",
    "error_for_code",
]


class NoPermission(BadPassword):
    """-5 没有权限: the account may not call this method (e.g. registerExtension without admin rights)."""


class LimitExceeded(CallCenterError):
    """-12 超过最大值错误: a maximum was exceeded (lines, accounts, page size); slow down and retry later."""

    retryable = True


class FileSaveFailed(CenterServerError):
    """-13 文件保存失败: the centre could not save a file."""


class AccountBusy(LimitExceeded):
    """-12 answered to ``callbackPhone``: the account already holds its one call (contract reading R4)."""


#: §1.2 返回代码表: code → (exception class, the document's own words, our English gloss).
CODE_TABLE: dict[int, tuple[type[CallCenterError], str, str]] = {
    -1: (CenterUnavailable, "网络错误", "network error"),
    -2: (BadPassword, "验证错误", "authentication failed (account or password MD5)"),
    -3: (CenterServerError, "方法内部错误", "internal error of the method"),
    -5: (NoPermission, "没有权限", "no permission"),
    -6: (CenterServerError, "SQL 语句执行错误", "SQL error at the centre"),
    -10: (DuplicateSubmission, "数据已经存在", "data already exists"),
    -11: (NotFound, "数据不存在", "data does not exist"),
    -12: (LimitExceeded, "超过最大值错误", "a maximum was exceeded"),
    -13: (FileSaveFailed, "文件保存失败", "file could not be saved"),
    -14: (BadParameters, "验证组错误", "validation group error"),
}


_HEX_SECRET = re.compile(r"[0-9a-fA-F]{32}")


def error_for_code(code: int, message: str | None, *, origin: str, operation: str) -> CallCenterError:
    """The typed exception for a non-zero ``code``; the centre's own message is kept, redacted."""
    said = redact(_HEX_SECRET.sub("***", (message or "").strip()))[:200]
    entry = CODE_TABLE.get(code)
    if entry is None:
        cls: type[CallCenterError] = UnexpectedResponse
        words = "an undocumented code"
    else:
        cls, chinese, gloss = entry
        words = f"{chinese} ({gloss})"
        if code == -12 and operation == "callbackPhone":
            cls, words = AccountBusy, f"{chinese} (the account is already on a call)"
    text = f"800ing centre at {origin} answered code {code} to {operation}: {words}"
    if said:
        text += f" — {said}"
    return cls(text, code=code, retry_after=5.0 if cls.retryable else None)
