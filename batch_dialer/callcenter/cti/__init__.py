"""The CTI phone bar (seed 003): the server-side token auth and its settings.

The phone bar itself (``ctibar.js`` over a websocket) runs in the agent's browser; see the desk pages.
"""

from __future__ import annotations

from batch_dialer.callcenter.cti.auth_client import CtiAuthClient, CtiGrant, md5_password
from batch_dialer.callcenter.cti.auth_errors import CtiAuthRefused, CtiBadCredentials
from batch_dialer.callcenter.cti.cti_settings import CtiSettings
from batch_dialer.callcenter.cti.token_keeper import CtiTokenKeeper

__all__ = [
    "CtiAuthClient",
    "CtiAuthRefused",
    "CtiBadCredentials",
    "CtiGrant",
    "CtiSettings",
    "CtiTokenKeeper",
    "md5_password",
]
