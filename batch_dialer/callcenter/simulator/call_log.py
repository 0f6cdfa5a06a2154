"""The centre's call log (§21 HTTP JSON, §28 SOAP Calllog): one row per finished call."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from .engine import SimCall

__all__ = ["TRUNK_NUMBER", "CallLog", "CallLogRow"]

#: The caller number of outbound calls that are not bridged to an agent.
TRUNK_NUMBER = "60610123"


@dataclass(frozen=True)
class CallLogRow:
    id: int
    caller: str
    callee: str
    channel: str
    begin_ms: int
    duration: int
    state: str
    call_type: str
    estimate: str
    record_voice: str
    clickcallid: str
    callid: str
    cname: str

    @property
    def begin_s(self) -> float:
        return self.begin_ms / 1000.0

    def as_json(self, tz: ZoneInfo) -> dict[str, Any]:
        """The §21 JSON object, field for field as in the document's example."""
        begin = datetime.fromtimestamp(self.begin_s, tz)
        call_time = begin.strftime("%b %d, %Y %I:%M:%S %p").replace(" 0", " ")
        return {
            "id": self.id,
            "caller": self.caller,
            "callee": self.callee,
            "beginTime": self.begin_ms,
            "duration": self.duration,
            "state": self.state,
            "callType": self.call_type,
            "estimate": self.estimate,
            "channel": self.channel,
            "callid": self.callid,
            "record": "",
            "recordVoice": self.record_voice,
            "cname": self.cname,
            "servicetype": "",
            "manustate": "",
            "clickcallid": self.clickcallid,
            "fxonum": "",
            "productid": 0,
            "_callTime": call_time,
            "_judge": 0,
        }

    def as_soap(self) -> dict[str, Any]:
        """The §28 Calllog fields (estimate is an Integer there)."""
        return {
            "id": self.id,
            "caller": self.caller,
            "callee": self.callee,
            "channel": self.channel,
            "beginTime": self.begin_ms,
            "duration": self.duration,
            "state": self.state,
            "callType": self.call_type,
            "estimate": int(self.estimate) if self.estimate.isdigit() else None,
            "record": "",
            "recordVoice": self.record_voice,
            "clickcallid": self.clickcallid,
        }


def _call_type(callee: str) -> str:
    if callee.startswith("00"):
        return "OVERSEAS_CALL"
    if callee.startswith("0"):
        return "NATIONAL_CALL"
    if len(callee) <= 4:
        return "CENTREX_CALL"
    return "LOCAL_CALL"


class CallLog:
    """Append-only, ordered by id; §21 pages by start id, §28 by position."""

    def __init__(self, speed: float, tz: ZoneInfo) -> None:
        self._speed = speed
        self._tz = tz
        self.rows: list[CallLogRow] = []
        self._by_callid: dict[str, CallLogRow] = {}

    def record(self, call: SimCall, cname: str) -> CallLogRow:
        row_id = len(self.rows) + 1
        begin = call.started_at if call.started_at is not None else call.submitted_at
        end = call.ended_at if call.ended_at is not None else begin
        answered = call.answered_at is not None
        duration = round((end - call.answered_at) * self._speed) if call.answered_at is not None else 0
        day = datetime.fromtimestamp(begin, self._tz).strftime("%Y-%m-%d")
        row = CallLogRow(
            id=row_id,
            caller=call.agent or TRUNK_NUMBER,
            callee=call.callee,
            channel=f"sim-{call.api}",
            begin_ms=round(begin * 1000),
            duration=duration,
            state="STATE_RECEIVED" if answered else "STATE_FAILED",
            call_type=_call_type(call.callee),
            estimate="",  # §21: the customer's 1/2/3 rating of an agent; never the IVR's keys
            record_voice=f"D:/records/{day}/{call.callee}_{row_id}.wav" if answered else "",
            clickcallid=call.key if call.api == "click" else "",  # §21: the click-to-call id only
            callid=f"sim-{row_id:08d}@127.0.0.1",
            cname=cname,
        )
        self.rows.append(row)
        self._by_callid[row.callid] = row
        return row

    def by_callid(self, callid: str) -> CallLogRow | None:
        return self._by_callid.get(callid)

    def query(
        self,
        *,
        first: int,
        max_results: int,
        begin: float | None,
        end: float | None,
        end_inclusive: bool,
        telnum: str | None,
        direction: int,
        first_is_id: bool = True,
    ) -> list[CallLogRow]:
        """Rows begun in [begin, end) (or [begin, end]), touching ``telnum``; direction 1 (incoming)
        matches nothing because every simulated call is outbound. ``first`` is a start id (§21
        "查询起始 id": rows with id >= first, by id) or, for §28, a position ("10 从第 11 条返回")."""
        if direction == 1:
            return []
        selected = [
            r
            for r in self.rows
            if (begin is None or r.begin_s >= begin)
            and (end is None or r.begin_s < end or (end_inclusive and r.begin_s == end))
            and (not telnum or telnum in (r.caller, r.callee))
        ]
        if first_is_id:
            return [r for r in selected if r.id >= first][:max_results]
        return selected[first : first + max_results]
