"""Typed answers of the CTI auth endpoint that are not success (``code`` > 0).

The document names one failure: ``code 7`` with ``msg`` "用户名不存在或者密码错误". Every other code
greater than 0 is a refusal whose meaning the document does not give; its ``msg`` is kept (it is the
centre's own words and carries no secret) but trimmed to one line.
"""

from __future__ import annotations

from batch_dialer.callcenter.errors import CallCenterError

__all__ = ["BAD_CREDENTIALS_CODE", "CtiAuthRefused", "CtiBadCredentials"]

#: The documented failure: "用户名不存在或者密码错误" (no such user, or wrong password).
BAD_CREDENTIALS_CODE = 7


class CtiAuthRefused(CallCenterError):
    """The auth endpoint answered ``code`` > 0 (other than 7): the centre refused the sign-in."""


class CtiBadCredentials(CtiAuthRefused):
    """``code 7``: the user name does not exist or the password is wrong."""
