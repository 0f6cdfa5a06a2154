"""Typed events of an 800ing call: the §2.7 CDR push, the §2.3/§2.4 event stream, §2.11 push rows.

Parsing is strict about what decides an outcome (``type``, ``cdrTalktime``) and lenient about the rest:
the centre sends numbers as strings or numbers, and the ``memo`` as a JSON string (or already an
object when it is nested inside a ``push_list`` row).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

from batch_dialer.callcenter.errors import UnexpectedResponse
from batch_dialer.callcenter.ing800.hangup_reasons import HangupVerdict, verdict_for_hangup

__all__ = [
    "CdrMemo",
    "CdrPush",
    "PushRow",
    "PushType",
    "StreamMessage",
    "StreamStatus",
    "parse_cdr_push",
    "parse_memo",
    "parse_push_row",
    "parse_stream_message",
]


class PushType(IntEnum):
    """§2.7 ``type``: 1 呼叫 2 接听 3 挂断 4 录音推送."""

    CALL = 1
    ANSWER = 2
    HANGUP = 3
    RECORDING = 4


class StreamStatus(IntEnum):
    """§2.3 msgs ``status`` / §2.4 content ``status``: 0 start, 1 connected, 2 / 3 hang-up."""

    STARTED = 0
    CONNECTED = 1
    HUNG_UP = 3


def _int(value: Any, default: int = 0) -> int:
    if value is None or value == "":
        return default
    try:
        return int(float(str(value).strip()))
    except ValueError:
        return default


def _str(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


@dataclass(frozen=True)
class CdrMemo:
    """The §2.7 memo fields we use; ``extra`` keeps every other field (work-order fields included)."""

    cdr_id: str | None
    extension: str | None
    phone: str | None
    talk_seconds: int
    hangup_code: str | None
    hangup_text: str | None
    ivr_key: str | None
    record_file: str | None
    paramvalue: str | None
    start_time: str | None
    hangup_time: str | None
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def keys(self) -> str | None:
        """The pressed keys: ``cdrIVRKey``, else the work-order field ``woOther11`` (按键) (reading R9)."""
        return self.ivr_key or _str(self.extra.get("woOther11"))

    def verdict(self) -> HangupVerdict:
        return verdict_for_hangup(self.hangup_code, self.hangup_text, self.talk_seconds)


_MEMO_FIELDS = {
    "cdrId",
    "cdrExtension",
    "cdrPhoneNum",
    "cdrTalktime",
    "cdrHangupReasonCode",
    "cdrHangupReasonText",
    "cdrIVRKey",
    "cdrRecordFile",
    "paramvalue",
    "cdrStartTime",
    "cdrHangupTime",
}


def parse_memo(raw: str | Mapping[str, Any] | None) -> CdrMemo | None:
    """The memo as a typed record; None when absent or empty; UnexpectedResponse when not a JSON object."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, str):
        try:
            data = json.loads(raw)
        except ValueError:
            raise UnexpectedResponse("800ing push: memo is not JSON") from None
    else:
        data = dict(raw)
    if not isinstance(data, dict):
        raise UnexpectedResponse("800ing push: memo is not a JSON object")
    return CdrMemo(
        cdr_id=_str(data.get("cdrId")),
        extension=_str(data.get("cdrExtension")),
        phone=_str(data.get("cdrPhoneNum")) or _str(data.get("cdrLastPhoneNumber")),
        talk_seconds=_int(data.get("cdrTalktime")),
        hangup_code=_str(data.get("cdrHangupReasonCode")),
        hangup_text=_str(data.get("cdrHangupReasonText")),
        ivr_key=_str(data.get("cdrIVRKey")),
        record_file=_str(data.get("cdrRecordFile")),
        paramvalue=_str(data.get("paramvalue")),
        start_time=_str(data.get("cdrStartTime")),
        hangup_time=_str(data.get("cdrHangupTime")),
        extra={k: v for k, v in data.items() if k not in _MEMO_FIELDS},
    )


@dataclass(frozen=True)
class CdrPush:
    """One §2.7 push: ``type``, ``peer`` (1 out, 2 in), ``phone`` and the memo (set at hang-up)."""

    type: PushType
    peer: int
    phone: str | None
    memo: CdrMemo | None
    paramvalue: str | None

    @property
    def cdr_id(self) -> str | None:
        return self.memo.cdr_id if self.memo else None

    @property
    def is_final(self) -> bool:
        """A hang-up push with its memo decides the outcome (type 4 only adds the recording)."""
        return self.type is PushType.HANGUP and self.memo is not None

    def dedup_key(self) -> str:
        """Same call, same type → same key, so a re-sent push (push_send, retries) is counted once.

        Our token (paramvalue) names the call first: it is in every push, while ``cdrId`` is only in
        the memo that comes at hang-up.
        """
        ident = self.paramvalue or self.cdr_id or self.phone or "-"
        return f"cdr:{ident}:{int(self.type)}"


def parse_cdr_push(params: Mapping[str, Any]) -> CdrPush:
    """A push from its query or form fields; UnexpectedResponse naming the field when it is unusable."""
    try:
        kind = PushType(_int(params.get("type"), -1))
    except ValueError:
        raise UnexpectedResponse(
            f"800ing push: field type={params.get('type')!r} is not 1, 2, 3 or 4"
        ) from None
    memo = parse_memo(params.get("memo"))
    top = _str(params.get("paramvalue"))
    return CdrPush(
        type=kind,
        peer=_int(params.get("peer"), 1),
        phone=_str(params.get("phone")),
        memo=memo,
        paramvalue=(memo.paramvalue if memo and memo.paramvalue else top),
    )


@dataclass(frozen=True)
class StreamMessage:
    """One message of the event stream (§2.4 msgs[]; §2.3 msgs use the same fields flattened)."""

    kind: int  # 1 去电 2 来电 3 发送短信 4 接收短信
    phone: str | None
    status: StreamStatus | None
    cdr_id: str | None
    paramvalue: str | None
    time_ms: int
    waterline: int


def _status(value: Any) -> StreamStatus | None:
    number = _int(value, -1)
    if number == 2:  # §2.3 says 2 挂机, §2.4 says 3 挂机: both mean hang-up (reading R6)
        return StreamStatus.HUNG_UP
    try:
        return StreamStatus(number)
    except ValueError:
        return None


def parse_stream_message(item: Mapping[str, Any]) -> StreamMessage:
    """``content`` is a JSON string ("使用 JS 解析这个内容") with status, cdrId and paramvalue."""
    content: Any = item.get("content")
    if isinstance(content, str):
        try:
            content = json.loads(content) if content.strip() else {}
        except ValueError:
            content = {}
    if not isinstance(content, dict):
        content = {}
    merged = {**content, **{k: v for k, v in item.items() if k != "content"}}
    return StreamMessage(
        kind=_int(merged.get("kind")),
        phone=_str(merged.get("phone")),
        status=_status(content.get("status", item.get("status"))),
        cdr_id=_str(merged.get("cdrId")),
        paramvalue=_str(content.get("paramvalue", item.get("paramvalue"))),
        time_ms=_int(merged.get("time")),
        waterline=_int(merged.get("waterLine", merged.get("waterline"))),
    )


@dataclass(frozen=True)
class PushRow:
    """One §2.11 ``push_list`` row: the push as the centre stored it, and how its delivery went."""

    push_id: str  # cdrsId, the id push_send takes
    delivered: bool  # cdrs_status: 成功 / 0 = delivered
    push: CdrPush


def parse_push_row(row: Mapping[str, Any]) -> PushRow:
    status = _str(row.get("cdrs_status")) or ""
    delivered = status in {"0", "成功", "success", "SUCCESS"}
    memo_source: Any = row.get("memo")
    if memo_source is None:
        memo_source = {k: v for k, v in row.items() if k.startswith(("cdr", "wo", "exte", "param"))}
    push_id = _str(row.get("cdrsId"))
    if push_id is None:
        raise UnexpectedResponse("800ing push_list: a row has no cdrsId")
    push = parse_cdr_push(
        {
            "type": row.get("type", row.get("cdrsType", 3)),
            "peer": row.get("peer", 1),
            "phone": row.get("phone", row.get("cdrsPhone")),
            "memo": memo_source if isinstance(memo_source, str) else json.dumps(memo_source),
        }
    )
    return PushRow(push_id=push_id, delivered=delivered, push=push)
