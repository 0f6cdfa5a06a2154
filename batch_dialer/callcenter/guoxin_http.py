"""The Guoxin call centre over HTTP (document 002: §3, §14, §18–§21, §24), per docs/guoxin-contract.md.

Written against the document, not the simulator: the HTTP status is authoritative, except that a 200
whose body is exactly a documented code means that code (real centres answer both ways).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import httpx

from batch_dialer.callcenter.base import CallCenter, CaptchaLine
from batch_dialer.callcenter.direct_http import DirectHttp
from batch_dialer.callcenter.errors import (
    DOCUMENTED_CODES,
    CallCenterError,
    CenterUnreachable,
    OperationRefused,
    UnexpectedResponse,
    error_for_status,
)
from batch_dialer.callcenter.guoxin_options import GuoxinOptions, guoxin_options
from batch_dialer.callcenter.log_redaction import install_log_redaction
from batch_dialer.callcenter.masking import mask_phone, redact
from batch_dialer.callcenter.payloads import (
    contacts_body_size,
    contacts_json,
    opportunities_body_size,
    opportunities_json,
)
from batch_dialer.callcenter.results import (
    AgentState,
    CallLogEntry,
    CallResult,
    CallState,
    ContactRecord,
    MonitorReading,
    OpportunityRecord,
    ToneFile,
    parse_monitor_body,
    parse_result_body,
)
from batch_dialer.callcenter.signing import captcha_pwd, centre_today

__all__ = ["DEFAULT_LIMITS", "DEFAULT_TIMEOUT", "GuoxinHttp"]

install_log_redaction()

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=3.0)
DEFAULT_LIMITS = httpx.Limits(max_connections=32, max_keepalive_connections=16, keepalive_expiry=30.0)

_CALLCTRL = "bridge/callctrl"
_JSONCFG = "bridge/jsoncfg"
_CONTACTS = "bridge/ContactsSrvlt"
_PREORDER = "bridge/PreorderSrvlt"
_TONES = "bridge/ToneFileSvlt"
_CAPTCHA_OPT: dict[str, str] = {"ip": "CLICK_TO_IP_CAPTCHA", "fixed": "CLICK_TO_FIXEDLINE_CAPTCHA"}


def origin_of(url: httpx.URL) -> str:
    """scheme://host:port only — safe to show in messages."""
    return f"{url.scheme}://{url.netloc.decode('ascii')}"


class GuoxinHttp(CallCenter):
    """One pooled keep-alive connection pool per instance; share the instance between threads."""

    def __init__(
        self,
        base_url: str,
        password: str | None = None,
        tz: str | ZoneInfo = "Asia/Shanghai",
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], datetime] | None = None,
        limits: httpx.Limits = DEFAULT_LIMITS,
        options: GuoxinOptions | None = None,
    ) -> None:
        url = httpx.URL(base_url)
        if url.scheme not in ("http", "https") or not url.host:
            raise ValueError(f"call centre URL must look like http://host:port, got scheme {url.scheme!r}")
        self.origin = origin_of(url)
        self.tz = tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)
        self._password = password or None
        self._clock = clock
        self.options = options if options is not None else guoxin_options()
        self._client = DirectHttp(
            url,
            timeout=timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout),
            limits=limits,
            transport=transport,
            headers={"User-Agent": "batch-dialer"},
        )

    def __repr__(self) -> str:
        return (
            f"GuoxinHttp({self.origin!r}, password={'set' if self._password else 'none'}, tz={self.tz.key!r})"
        )

    # --- plumbing --------------------------------------------------------------------------------
    def _send(self, method: str, path: str, operation: str, **kwargs: Any) -> httpx.Response:
        try:
            return self._client.send(self._client.build_request(method, path, **kwargs))
        except httpx.TimeoutException as exc:
            message = (
                f"call centre at {self.origin} did not answer {operation} in time ({type(exc).__name__})"
            )
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            detail = redact(str(exc)) or type(exc).__name__
            message = f"call centre at {self.origin} is unreachable ({operation}): {detail}"
        # `from None`: httpx's own exception text carries the full URL, query string included.
        raise CenterUnreachable(message) from None

    @staticmethod
    def _code(response: httpx.Response) -> int:
        if response.status_code == 200 and len(response.content) <= 8:
            body = response.content.strip()
            if len(body) == 3 and body.isdigit() and int(body) in DOCUMENTED_CODES:
                return int(body)
        return response.status_code

    def _error(self, code: int, response: httpx.Response, operation: str) -> CallCenterError:
        retry_after: float | None = None
        header = response.headers.get("Retry-After")
        if header:
            try:
                retry_after = max(0.0, float(header))
            except ValueError:
                retry_after = None
        return error_for_status(code, origin=self.origin, operation=operation, retry_after=retry_after)

    def _call(self, method: str, path: str, operation: str, **kwargs: Any) -> httpx.Response:
        """Send and raise the typed error for anything but success."""
        response = self._send(method, path, operation, **kwargs)
        code = self._code(response)
        if not 200 <= code < 300:
            raise self._error(code, response, operation)
        return response

    def _unreadable(self, operation: str, why: object) -> UnexpectedResponse:
        return UnexpectedResponse(
            f"call centre at {self.origin} answered {operation} with an unreadable body: {redact(str(why))}"
        )

    def _json(self, response: httpx.Response, operation: str) -> Any:
        text = response.text.strip()
        if not text:
            return None
        try:
            return json.loads(text)
        except ValueError as exc:
            raise self._unreadable(operation, f"not JSON ({exc.__class__.__name__})") from None

    def _json_list(self, response: httpx.Response, operation: str) -> list[dict[str, Any]]:
        data = self._json(response, operation)
        if data is None:
            return []
        if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
            raise self._unreadable(operation, "expected a JSON list of objects")
        return data

    def _pwd(self, callee: str, code: str) -> str:
        now = self._clock() if self._clock is not None else None
        return captcha_pwd(self._password, callee, code, centre_today(self.tz, now))

    # --- IVR / TTS calls (§18) -------------------------------------------------------------------
    def submit_tts_call(self, token: str, callee: str, toneid: int | str, tts: Mapping[str, str]) -> None:
        bad = [name for name in tts if not name.startswith("tts") or len(name) <= 3]
        if bad:
            raise ValueError(f"IVR variables must be named tts<something>, got {bad!r}")
        params: dict[str, str] = {"token": token, "callee": callee, "toneid": str(toneid)}
        params.update(tts)
        if self.options.tts_pwd:  # §18 lists no pwd: only for a centre known to want one
            params["pwd"] = self._pwd(callee, "")
        params["opt"] = "IVR_TTS_CALL"
        log.debug("IVR_TTS_CALL token=%s callee=%s toneid=%s", token, mask_phone(callee), toneid)
        self._call("GET", _CALLCTRL, "IVR_TTS_CALL", params=params)

    def _result(self, ident: str, params: dict[str, str], operation: str) -> CallResult:
        response = self._send("GET", _CALLCTRL, operation, params=params)
        code = self._code(response)
        if code == 404:
            return CallResult(ident, CallState.NOT_FOUND, {}, response.text.strip())
        if not 200 <= code < 300:
            raise self._error(code, response, operation)
        raw = response.text.strip()
        try:
            state, keys = parse_result_body(raw)
        except ValueError as exc:
            raise self._unreadable(operation, exc) from None
        return CallResult(ident, state, keys, raw)

    def tts_call_result(self, token: str) -> CallResult:
        params = {"token": token, "opt": "IVR_TTS_CALL_RESULT"}
        return self._result(token, params, "IVR_TTS_CALL_RESULT")

    def monitor(self) -> MonitorReading:
        response = self._call(
            "GET", _CALLCTRL, "IVR_TTS_CALL_MONITOR", params={"opt": "IVR_TTS_CALL_MONITOR"}
        )
        try:
            return parse_monitor_body(response.text)
        except ValueError as exc:
            raise self._unreadable("IVR_TTS_CALL_MONITOR", exc) from None

    # --- captcha calls (§3) ----------------------------------------------------------------------
    def submit_captcha_call(
        self,
        call_id: str,
        callee: str,
        toneid: int | str,
        code: str | None,
        line: CaptchaLine = "ip",
        playtimes: int = 1,
        precallcount: int = 0,
        extnum: str | None = None,
    ) -> None:
        if code is not None and not (code.isascii() and code.isdigit()):
            raise ValueError("the captcha code must be ASCII digits")
        if line not in _CAPTCHA_OPT:
            raise ValueError(f"line must be 'ip' or 'fixed', got {line!r}")
        operation = _CAPTCHA_OPT[line]
        params: dict[str, str] = {
            "id": call_id,
            "precallcount": str(precallcount),
            "playtimes": str(playtimes),
        }
        if extnum:
            params["extnum"] = extnum
        params.update(callee=callee, toneid=str(toneid))
        if code is not None:
            params["code"] = code
        params["pwd"] = self._pwd(callee, code or "")
        params["opt"] = operation
        log.debug("%s id=%s callee=%s toneid=%s", operation, call_id, mask_phone(callee), toneid)
        self._call("GET", _CALLCTRL, operation, params=params)

    def captcha_result(self, call_id: str) -> CallResult:
        params = {"id": call_id, "opt": "GET_CAPTCHA_RESULT"}
        return self._result(call_id, params, "GET_CAPTCHA_RESULT")

    # --- agents (§14) ----------------------------------------------------------------------------
    def agent_states(self) -> list[AgentState]:
        response = self._call("GET", _JSONCFG, "EXTNUM_STATE", params={"opt": "EXTNUM_STATE"})
        try:
            return [AgentState.from_json(item) for item in self._json_list(response, "EXTNUM_STATE")]
        except (TypeError, ValueError) as exc:
            raise self._unreadable("EXTNUM_STATE", exc) from None

    # --- contacts and opportunities (§19, §20) ---------------------------------------------------
    def _push(self, path: str, operation: str, data: str) -> None:
        """GET ``?data=…`` as §19/§20 show it while the URL fits ``options.max_get_url``; else a form POST
        (same field, same encoding) so a long list is never cut by a proxy or the servlet's header limit."""
        request = self._client.build_request("GET", path, params={"data": data})
        if len(str(request.url).encode("ascii")) <= self.options.max_get_url:
            self._call("GET", path, operation, params={"data": data})
        else:
            self._call("POST", path, operation, data={"data": data})

    def push_contacts(self, records: Sequence[ContactRecord]) -> None:
        if records:
            self._push(_CONTACTS, "ContactsSrvlt", contacts_json(records))

    def push_opportunities(self, records: Sequence[OpportunityRecord]) -> None:
        if records:
            self._push(_PREORDER, "PreorderSrvlt", opportunities_json(records))

    def contacts_request_size(self, records: Sequence[ContactRecord]) -> int:
        return contacts_body_size(records)

    def opportunities_request_size(self, records: Sequence[OpportunityRecord]) -> int:
        return opportunities_body_size(records)

    # --- call log (§21) --------------------------------------------------------------------------
    def _entries(self, response: httpx.Response, operation: str) -> list[CallLogEntry]:
        try:
            return [CallLogEntry.from_json(item) for item in self._json_list(response, operation)]
        except (TypeError, ValueError, OverflowError) as exc:
            raise self._unreadable(operation, exc) from None

    def call_log_query(
        self,
        begin: date,
        end: date,
        telnum: str | None = None,
        direction: int = 0,
        first: int = 0,
        max_results: int = 1000,
    ) -> list[CallLogEntry]:
        if direction not in (0, 1, 2):
            raise ValueError("direction must be 0 (all), 1 (incoming) or 2 (outgoing)")
        params: dict[str, str] = {
            "first": str(first),
            "maxResults": str(max_results),
            "beginDate": begin.strftime("%Y-%m-%d"),
            "endDate": end.strftime("%Y-%m-%d"),
        }
        if telnum:
            params["telnum"] = telnum
        params.update(dirction=str(direction), opt="CALL_LOG_QUERY")  # sic: the document spells "dirction"
        response = self._call("GET", _CALLCTRL, "CALL_LOG_QUERY", params=params)
        return self._entries(response, "CALL_LOG_QUERY")

    def call_log_by_callid(self, callid: str) -> CallLogEntry | None:
        operation = "CALL_LOG_GET_WITH_CALLID"
        response = self._send("GET", _CALLCTRL, operation, params={"callid": callid, "opt": operation})
        code = self._code(response)
        if code == 404:
            return None
        if not 200 <= code < 300:
            raise self._error(code, response, operation)
        data = self._json(response, operation)
        if isinstance(data, dict):
            data = [data]
        if not data:
            return None
        if not isinstance(data, list) or not isinstance(data[0], dict):
            raise self._unreadable(operation, "expected a JSON object")
        try:
            return CallLogEntry.from_json(data[0])
        except (TypeError, ValueError, OverflowError) as exc:
            raise self._unreadable(operation, exc) from None

    # --- tone files (§24) ------------------------------------------------------------------------
    def tone_files(self) -> list[ToneFile]:
        response = self._call("GET", _TONES, "ToneFileSvlt query", params={"opt": "query"})
        try:
            return [ToneFile.from_json(item) for item in self._json_list(response, "ToneFileSvlt query")]
        except (TypeError, ValueError) as exc:
            raise self._unreadable("ToneFileSvlt query", exc) from None

    def save_tone_file(self, title: str, description: str, data: bytes, tone_id: int | None = None) -> int:
        operation = "ToneFileSvlt save"
        # The document asks for title/des URL-encoded (UTF-8), so the servlet's form charset never matters.
        fields: dict[str, str] = {
            "opt": "save",
            "title": quote(title, safe=""),
            "des": quote(description, safe=""),
        }
        if tone_id is not None:
            fields["id"] = str(tone_id)
        files = {"file": ("tone.wav", data, "audio/wav")}
        response = self._send("POST", _TONES, operation, data=fields, files=files)
        if not 200 <= response.status_code < 300:  # the body is the new id here, never a status code
            raise self._error(response.status_code, response, operation)
        text = response.text.strip()
        try:
            new_id = int(text)
        except ValueError:
            raise self._unreadable(operation, "expected the tone file id") from None
        if new_id <= 0:
            raise OperationRefused(
                f"call centre at {self.origin} refused to save the tone file (answered {text})"
            )
        return new_id

    def delete_tone_file(self, tone_id: int) -> None:
        self._call("GET", _TONES, "ToneFileSvlt delete", params={"opt": "delete", "id": str(tone_id)})

    # --- lifetime --------------------------------------------------------------------------------
    def close(self) -> None:
        self._client.close()
