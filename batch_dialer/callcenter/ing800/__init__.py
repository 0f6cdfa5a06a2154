"""The 800ing (八百呼) cloud call centre, document 004: client, code table, typed events."""

from __future__ import annotations

from batch_dialer.callcenter.ing800.accounts import AgentAccount, md5_password
from batch_dialer.callcenter.ing800.client import (
    SCHEME,
    ExtensionInfo,
    Ing800Client,
    NewAccount,
    PushPage,
    Waterline,
)
from batch_dialer.callcenter.ing800.codes import (
    CODE_TABLE,
    AccountBusy,
    LimitExceeded,
    NoPermission,
    error_for_code,
)
from batch_dialer.callcenter.ing800.events import (
    CdrMemo,
    CdrPush,
    PushRow,
    PushType,
    StreamMessage,
    StreamStatus,
    parse_cdr_push,
    parse_memo,
    parse_push_row,
    parse_stream_message,
)
from batch_dialer.callcenter.ing800.hangup_reasons import HangupKind, HangupVerdict, verdict_for_hangup

__all__ = [
    "CODE_TABLE",
    "SCHEME",
    "AccountBusy",
    "AgentAccount",
    "CdrMemo",
    "CdrPush",
    "ExtensionInfo",
    "HangupKind",
    "HangupVerdict",
    "Ing800Client",
    "LimitExceeded",
    "NewAccount",
    "NoPermission",
    "PushPage",
    "PushRow",
    "PushType",
    "StreamMessage",
    "StreamStatus",
    "Waterline",
    "error_for_code",
    "md5_password",
    "parse_cdr_push",
    "parse_memo",
    "parse_push_row",
    "parse_stream_message",
    "verdict_for_hangup",
]
