"""Parameter parsing and checking for the centre's HTTP servlets; answers are ``Reply`` values.

Submissions answer their status code as the HTTP status and as the body (docs/guoxin-contract.md).
Bad parameters answer 400 (IVR_TTS_CALL and the other servlets) or 420 (captcha calls), as the
document says.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, NamedTuple
from urllib.parse import unquote

from .center import SimCenter

__all__ = ["CAPTCHA_OPTS", "SUBMISSION_OPTS", "Reply", "callctrl", "code_reply", "jsoncfg", "tone_files"]

_DIGITS = re.compile(r"^[0-9]{3,20}$")
_CODE = re.compile(r"^[0-9]{0,16}$")
_EXTNUM = re.compile(r"^[0-9]{1,12}$")
_TOKEN_MAX = 128
CAPTCHA_OPTS = frozenset({"CLICK_TO_IP_CAPTCHA", "CLICK_TO_FIXEDLINE_CAPTCHA"})
SUBMISSION_OPTS = CAPTCHA_OPTS | {"IVR_TTS_CALL"}


class Reply(NamedTuple):
    status: int
    body: str
    media_type: str = "text/plain; charset=utf-8"


def code_reply(status: int) -> Reply:
    return Reply(status, str(status))


def _json_reply(value: Any) -> Reply:
    body = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return Reply(200, body, "application/json; charset=utf-8")


class _BadParams(Exception):
    pass


def _int(params: Mapping[str, str], name: str, default: int | None = None, minimum: int = 0) -> int:
    raw = params.get(name, "").strip()
    if not raw:
        if default is None:
            raise _BadParams(f"missing {name}")
        return default
    if not raw.lstrip("-").isdigit() or not raw.isascii():
        raise _BadParams(f"{name} must be an integer")
    value = int(raw)
    if value < minimum:
        raise _BadParams(f"{name} must be >= {minimum}")
    return value


def _token(params: Mapping[str, str], name: str) -> str:
    value = params.get(name, "")
    if not value or len(value) > _TOKEN_MAX:
        raise _BadParams(f"{name} must be 1..{_TOKEN_MAX} characters")
    return value


def _callee(params: Mapping[str, str]) -> str:
    callee = params.get("callee", "")
    if not _DIGITS.match(callee):
        raise _BadParams("callee must be 3..20 digits")
    return callee


def callctrl(center: SimCenter, params: Mapping[str, str]) -> Reply:
    """``/bridge/callctrl``: dispatch on ``opt``."""
    opt = params.get("opt", "")
    center.operations[opt[:40]] += 1
    if opt in center.config.unpaid:
        return code_reply(421)
    handler = _HANDLERS.get(opt)
    if handler is None:
        return code_reply(400)
    try:
        return handler(center, params)
    except _BadParams:
        return code_reply(420 if opt in CAPTCHA_OPTS else 400)


def _ivr_tts_call(center: SimCenter, params: Mapping[str, str]) -> Reply:
    token = _token(params, "token")
    callee = _callee(params)
    toneid = _int(params, "toneid", minimum=1)
    tts = {k: v for k, v in params.items() if k.startswith("tts")}
    return code_reply(center.submit_ivr(token, callee, toneid, tts, params.get("pwd")))


def _ivr_tts_call_result(center: SimCenter, params: Mapping[str, str]) -> Reply:
    result = center.ivr_result(_token(params, "token"))
    return code_reply(404) if result is None else Reply(200, result)


def _monitor(center: SimCenter, params: Mapping[str, str]) -> Reply:
    queue, playcount = center.monitor()
    return Reply(200, f"queue={queue};playcount={playcount}")


def _captcha(center: SimCenter, params: Mapping[str, str]) -> Reply:
    call_id = _token(params, "id")
    callee = _callee(params)
    toneid = _int(params, "toneid", minimum=1)
    _int(params, "playtimes", default=1, minimum=1)
    precallcount = _int(params, "precallcount", default=0)
    code = params.get("code", "")
    extnum = params.get("extnum", "") or None
    if not _CODE.match(code) or (extnum is not None and not _EXTNUM.match(extnum)):
        raise _BadParams("code and extnum must be digits")
    status = center.submit_captcha(call_id, callee, toneid, code, extnum, precallcount, params.get("pwd"))
    return code_reply(status)


def _captcha_result(center: SimCenter, params: Mapping[str, str]) -> Reply:
    state = center.captcha_result(_token(params, "id"))
    return code_reply(404) if state is None else Reply(200, str(state))


def _day_start(params: Mapping[str, str], name: str, center: SimCenter) -> float | None:
    raw = params.get(name, "").strip()
    if not raw:
        return None
    try:
        day = datetime.strptime(raw, "%Y-%m-%d").replace(tzinfo=center.tz)
    except ValueError:
        raise _BadParams(f"{name} must be yyyy-MM-dd") from None
    return day.timestamp()


def _call_log_query(center: SimCenter, params: Mapping[str, str]) -> Reply:
    begin = _day_start(params, "beginDate", center)
    end_day = _day_start(params, "endDate", center)
    end = None
    if end_day is not None:
        end = (datetime.fromtimestamp(end_day, center.tz) + timedelta(days=1)).timestamp()
    direction = _int(params, "dirction", default=0)
    if direction not in (0, 1, 2):
        raise _BadParams("dirction must be 0, 1 or 2")
    rows = center.call_log(
        first=_int(params, "first", default=0),
        max_results=_int(params, "maxResults", default=1000),
        begin=begin,
        end=end,
        telnum=params.get("telnum") or None,
        direction=direction,
    )
    return _json_reply(rows)


def _call_log_by_callid(center: SimCenter, params: Mapping[str, str]) -> Reply:
    row = center.call_log_by_callid(_token(params, "callid"))
    return code_reply(404) if row is None else _json_reply(row)


_HANDLERS = {
    "IVR_TTS_CALL": _ivr_tts_call,
    "IVR_TTS_CALL_RESULT": _ivr_tts_call_result,
    "IVR_TTS_CALL_MONITOR": _monitor,
    "CLICK_TO_IP_CAPTCHA": _captcha,
    "CLICK_TO_FIXEDLINE_CAPTCHA": _captcha,
    "GET_CAPTCHA_RESULT": _captcha_result,
    "CALL_LOG_QUERY": _call_log_query,
    "CALL_LOG_GET_WITH_CALLID": _call_log_by_callid,
}


def jsoncfg(center: SimCenter, params: Mapping[str, str]) -> Reply:
    """``/bridge/jsoncfg``: only ``EXTNUM_STATE`` (§14) is simulated."""
    if params.get("opt") != "EXTNUM_STATE":
        return code_reply(400)
    return _json_reply(center.agent_states())


def tone_files(center: SimCenter, params: Mapping[str, str], content: bytes | None) -> Reply:
    """``/bridge/ToneFileSvlt``: query, save (answers the id, or 0), delete (200/400/404)."""
    opt = params.get("opt", "")
    if opt == "query":
        return _json_reply(center.tone_files())
    if opt == "save":
        try:
            tone_id = _int(params, "id", default=-1, minimum=-1)
        except _BadParams:
            return Reply(400, "0")
        saved = center.save_tone_file(
            None if tone_id < 0 else tone_id,
            unquote(params.get("title", "")),
            unquote(params.get("des", "")),
            content,
        )
        return Reply(200 if saved else 400, str(saved))
    if opt == "delete":
        try:
            tone_id = _int(params, "id", minimum=1)
        except _BadParams:
            return code_reply(400)
        return code_reply(200 if center.delete_tone_file(tone_id) else 404)
    return code_reply(400)
