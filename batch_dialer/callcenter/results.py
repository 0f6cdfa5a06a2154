"""Typed values parsed from the Guoxin centre's answers (and the records we send it)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import IntEnum, StrEnum
from typing import Any

__all__ = [
    "TID_LANDLINE",
    "TID_MOBILE",
    "AgentState",
    "CallLogEntry",
    "CallResult",
    "CallState",
    "Click2CallState",
    "ContactRecord",
    "MonitorReading",
    "OpportunityRecord",
    "TextToCall",
    "TextToCallState",
    "ToneFile",
    "parse_monitor_body",
    "parse_result_body",
]


class CallState(IntEnum):
    """The ``state`` of IVR_TTS_CALL_RESULT / GET_CAPTCHA_RESULT (§3, §18)."""

    QUEUED = 0
    ANSWERED = 1
    FAILED = 2
    EMPTY_NUMBER = 3
    CALLING = 4
    BUSY = 5
    POWER_OFF = 6
    NOT_FOUND = 404

    @property
    def is_final(self) -> bool:
        """The call is over. NOT_FOUND is not final: the centre may not know the token yet (or lost it);
        the caller decides with its own deadline."""
        return self in _FINAL_STATES


_FINAL_STATES = frozenset(
    {CallState.ANSWERED, CallState.FAILED, CallState.EMPTY_NUMBER, CallState.BUSY, CallState.POWER_OFF}
)


@dataclass(frozen=True, slots=True)
class CallResult:
    """One polled result. ``keys`` holds the IVR's collected inputs (e.g. ``{"satisfact": "8"}``);
    they may arrive in a later poll than ``state=1``."""

    token: str
    state: CallState
    keys: dict[str, str] = field(default_factory=dict)
    raw: str = ""


_SEPARATORS = re.compile(r"[;&\r\n]+")


def parse_result_body(text: str) -> tuple[CallState, dict[str, str]]:
    """Parse ``state=1;satisfact=8``, ``state=4;``, a bare ``1`` or ``404`` into (state, other keys).

    Raises ValueError when there is no state or it is not a documented value.
    """
    state_text: str | None = None
    keys: dict[str, str] = {}
    for part in _SEPARATORS.split(text.strip()):
        part = part.strip()
        if not part:
            continue
        name, sep, value = part.partition("=")
        if not sep:
            if state_text is None and not keys:
                state_text = name.strip()
                continue
            raise ValueError(f"unexpected item without '=' in result body: {part[:40]!r}")
        name, value = name.strip(), value.strip()
        if name.lower() == "state":
            state_text = value
        elif name:
            keys[name] = value
    if state_text is None:
        raise ValueError("result body has no state")
    try:
        return CallState(int(state_text)), keys
    except ValueError:
        raise ValueError(f"undocumented call state {state_text[:20]!r}") from None


@dataclass(frozen=True, slots=True)
class MonitorReading:
    """IVR_TTS_CALL_MONITOR: ``playcount`` calls hold a channel; ``queue`` answered calls await an agent."""

    queue: int
    playcount: int


def parse_monitor_body(text: str) -> MonitorReading:
    """Parse ``queue=0;playcount=3`` (any order, spaces, trailing ``;``). Raises ValueError."""
    values: dict[str, int] = {}
    for part in _SEPARATORS.split(text.strip()):
        name, sep, value = part.partition("=")
        if sep:
            try:
                values[name.strip().lower()] = int(value.strip())
            except ValueError:
                raise ValueError(f"monitor value of {name.strip()[:20]!r} is not a number") from None
    if "queue" not in values or "playcount" not in values:
        raise ValueError("monitor body lacks queue or playcount")
    return MonitorReading(queue=values["queue"], playcount=values["playcount"])


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _int(value: Any, default: int = 0) -> int:
    if value is None or value == "":
        return default
    return int(value)


@dataclass(frozen=True, slots=True)
class AgentState:
    """One extension of EXTNUM_STATE (§14)."""

    tel_num: str
    user_name: str
    registered: bool
    phone_type: str
    state: str
    presence: str
    missing_call_count: int
    remote_num: str | None
    raw: dict[str, Any]

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> AgentState:
        remote = obj.get("remoteNum")
        return cls(
            tel_num=_text(obj.get("telNum")),
            user_name=_text(obj.get("userName")),
            registered=_int(obj.get("telRegState")) == 1,
            phone_type=_text(obj.get("phoneType")),
            state=_text(obj.get("state")),
            presence=_text(obj.get("presence")),
            missing_call_count=_int(obj.get("missingCallCount")),
            remote_num=None if remote in (None, "") else str(remote),
            raw=dict(obj),
        )


def _rating(value: Any) -> int | None:
    """§21 estimate: "Integer 客户评价，1:非常满意，2:满意，3 不满意"; the example sends "" (not rated)."""
    text = "" if value is None else str(value).strip()
    return int(text) if text.isdigit() and 1 <= int(text) <= 3 else None


def _epoch_ms(value: Any) -> datetime:
    return datetime.fromtimestamp(int(value) / 1000, tz=UTC)


@dataclass(frozen=True, slots=True)
class CallLogEntry:
    """One call-log row (§21 JSON, §28 Calllog), in the document's meanings: ``estimate`` is the
    customer's rating 1 非常满意 / 2 满意 / 3 不满意 (None when not rated; it is not an IVR key),
    ``clickcallid`` the id a §25 click-to-call returned ("" for other calls; not our token). Our calls
    are found by ``callee`` and ``begin_time`` (docs/guoxin-contract.md, §21)."""

    id: int
    caller: str
    callee: str
    begin_time: datetime
    duration: int
    state: str
    estimate: int | None
    clickcallid: str
    callid: str
    channel: str = ""
    call_type: str = ""
    record_voice: str = ""
    raw: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> CallLogEntry:
        return cls(
            id=_int(obj.get("id")),
            caller=_text(obj.get("caller")),
            callee=_text(obj.get("callee")),
            begin_time=_epoch_ms(obj.get("beginTime") or 0),
            duration=_int(obj.get("duration")),
            state=_text(obj.get("state")),
            estimate=_rating(obj.get("estimate")),
            clickcallid=_text(obj.get("clickcallid")),
            callid=_text(obj.get("callid")),
            channel=_text(obj.get("channel")),
            call_type=_text(obj.get("callType")),
            record_voice=_text(obj.get("recordVoice")),
            raw=dict(obj),
        )


@dataclass(frozen=True, slots=True)
class ToneFile:
    """One tone file of ToneFileSvlt (§24; the centre spells the title ``titel``)."""

    id: int
    title: str
    path: str
    description: str

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> ToneFile:
        title = obj.get("titel", obj.get("title"))
        return cls(
            id=_int(obj.get("id")),
            title=_text(title),
            path=_text(obj.get("path")),
            description=_text(obj.get("des")),
        )


_CN_MOBILE = re.compile(r"^(?:\+?86)?1\d{10}$")

#: ContactsSrvlt detail ids the document fixes: 1 mobile, 2 landline (others come from the centre's template).
TID_MOBILE = 1
TID_LANDLINE = 2


@dataclass(frozen=True, slots=True)
class ContactRecord:
    """A customer for ContactsSrvlt (§19). Phones go out as tid 1 (CN mobiles) or tid 2 (anything else);
    ``extra`` maps further template tids (e.g. 14 = QQ) to values."""

    name: str
    phones: list[str]
    extra: dict[int, str] = field(default_factory=dict)
    localuser: int = -1
    gid: int = 1

    def to_json(self) -> dict[str, Any]:
        details: list[dict[str, Any]] = [
            {"tid": TID_MOBILE if _CN_MOBILE.match(phone) else TID_LANDLINE, "cvalue": phone}
            for phone in self.phones
        ]
        details.extend({"tid": tid, "cvalue": value} for tid, value in self.extra.items())
        return {"cname": self.name, "localuser": self.localuser, "gid": self.gid, "details": details}


@dataclass(frozen=True, slots=True)
class OpportunityRecord:
    """A sales opportunity (商机) for PreorderSrvlt (§20)."""

    name: str
    telnum: str
    product: str
    comment: str = ""
    qq: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "cname": self.name,
            "telnum": self.telnum,
            "product": self.product,
            "comment": self.comment,
            "qq": self.qq,
        }


class TextToCallState(StrEnum):
    """Texttocal.state of the SOAP TextToCallService (§26)."""

    WAITING = "WAITING"
    TRYING = "TRYING"
    CONFIRM = "CONFIRM"
    RING_TIME_OUT = "RING_TIME_OUT"
    CALL_FAILED = "CALL_FAILED"
    # Whether a state ends a call is the soap_tts kind's decision (a RING_TIME_OUT between the centre's
    # own tries does not): see campaigns/kinds/soap_tts.py.


class Click2CallState(IntEnum):
    """state4click (§25.3.4)."""

    IDLE = 0
    CALLER_RINGING = 1
    CALLEE_RINGING = 2
    TALKING = 3


@dataclass(frozen=True, slots=True)
class TextToCall:
    """A timed TTS call (SOAP Texttocal, table 6-1). ``id=-1`` creates; the same id modifies a WAITING one.
    ``calldate`` should be timezone-aware; a naive one is taken as the centre's local time.
    The fields after ``linkkey`` are filled by the centre."""

    callee: str
    content: str
    calldate: datetime
    servicetype: str
    caller: str = ""
    id: int = -1
    assisid: int = 0
    voipcall: bool = False
    linkkey: int | None = None
    create_time: datetime | None = None
    state: TextToCallState | None = None
    ttsfile: str | None = None
    calltime: int | None = None
    playingtime: int | None = None
