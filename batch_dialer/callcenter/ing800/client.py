"""The 800ing (八百呼) API over httpx (document 004 §1–§2), per docs/800ing-contract.md.

One pooled ``httpx.Client`` per instance, shared by threads; every call names the agent account it
acts for, because 800ing authenticates each request with ``sa_user`` / ``sa_password`` (MD5). Those
travel in a urlencoded POST body (§1.1 allows it), so neither the MD5 nor the callee sits in a URL
that a proxy or httpx's own log could keep. ``transport`` is the seam tests use.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from batch_dialer.callcenter.capabilities import AgentCallbacks, LoadMonitor
from batch_dialer.callcenter.errors import (
    CallCenterError,
    CenterUnreachable,
    UnexpectedResponse,
    error_for_status,
)
from batch_dialer.callcenter.ing800.accounts import AgentAccount
from batch_dialer.callcenter.ing800.codes import error_for_code
from batch_dialer.callcenter.ing800.events import PushRow, StreamMessage, parse_push_row, parse_stream_message
from batch_dialer.callcenter.log_redaction import install_log_redaction
from batch_dialer.callcenter.masking import redact
from batch_dialer.callcenter.results import MonitorReading

__all__ = [
    "DEFAULT_TIMEOUT",
    "SCHEME",
    "ExtensionInfo",
    "Ing800Client",
    "NewAccount",
    "PushPage",
    "Waterline",
]

install_log_redaction()
log = logging.getLogger(__name__)

SCHEME = "800ing+"
DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=3.0)
JSON_PATH = "/voip/api/jsondata.html"  # §1.1 调用接口的路径
JSONP_PATH = "/voip/api/jsonpdata.json"  # §2.3 / §2.5: "voip/api/jsonpdata.json 不跨域"
PUSH_LIST_PATH = "/voip/ai/report/push_list.json"  # §2.11
PUSH_SEND_PATH = "/voip/ai/report/push_send.json"  # §2.12
RECORD_PATH = "/voip/record/"  # §2.7 (2) 录音路径调用方式
MP3_PATH = "/voip/api/client/download/record.json"  # §2.7 MP3 文件路径下载


@dataclass(frozen=True)
class ExtensionInfo:
    """§2.1 getExtension; ``session_id`` is what push_list / push_send need (reading R10)."""

    exte_id: str | None
    name: str | None
    extension: str | None
    comp_number: str | None
    comp_name: str | None
    disable_phone_num: int
    login_type: int
    session_id: str | None


@dataclass(frozen=True)
class NewAccount:
    """§2.9 registerExtension: the new extension and its (plain) password — hand it to the vault at once."""

    extension: str
    password: str

    def __repr__(self) -> str:
        return f"NewAccount(extension={self.extension!r}, password=***)"


@dataclass(frozen=True)
class Waterline:
    """§2.3 getLongWaterLine: the server's waterline, pressed keys and the current call states."""

    waterline: int
    keylist: str | None
    msgs: tuple[StreamMessage, ...]


@dataclass(frozen=True)
class PushPage:
    """One §2.11 page: its rows and the total the centre reports (when it does)."""

    rows: tuple[PushRow, ...]
    total: int | None


def centre_origin(url: str) -> httpx.URL:
    """``800ing+http://host:port`` (DIALER_CALLCENTER_URL) or a plain http(s) URL → the http(s) base."""
    plain = url[len(SCHEME) :] if url.startswith(SCHEME) else url
    parsed = httpx.URL(plain)
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise ValueError("800ing centre URL must look like 800ing+http://host:port")
    return parsed.copy_with(query=None, fragment=None, path="/")


class Ing800Client(AgentCallbacks, LoadMonitor):
    """Every operation of document 004 that the dialer uses; failures are typed (codes.py)."""

    def __init__(
        self,
        base_url: str,
        *,
        report_url: str | None = None,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        base = centre_origin(base_url)
        self.origin = f"{base.scheme}://{base.netloc.decode('ascii')}"
        self._report_base = centre_origin(report_url) if report_url else base
        self._client = httpx.Client(
            timeout=timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout),
            transport=transport,
            headers={"User-Agent": "batch-dialer"},
        )
        self._base = base

    def __repr__(self) -> str:
        return f"Ing800Client({self.origin!r})"

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Ing800Client:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # --- plumbing --------------------------------------------------------------------------------
    def _send(self, method: str, url: httpx.URL, operation: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self._client.request(method, url, **kwargs)
        except httpx.TimeoutException as exc:
            message = (
                f"800ing centre at {self.origin} did not answer {operation} in time ({type(exc).__name__})"
            )
            raise CenterUnreachable(message) from None
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            detail = redact(str(exc)) or type(exc).__name__
            # `from None`: httpx's text may carry the URL and its query.
            raise CenterUnreachable(
                f"800ing centre at {self.origin} is unreachable ({operation}): {detail}"
            ) from None
        if response.status_code != 200:
            raise error_for_status(response.status_code, origin=self.origin, operation=operation)
        return response

    def _json(self, response: httpx.Response, operation: str) -> dict[str, Any]:
        try:
            data = json.loads(response.content.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise UnexpectedResponse(
                f"800ing centre at {self.origin} answered {operation} with a body that is not JSON"
            ) from None
        if not isinstance(data, dict):
            raise UnexpectedResponse(f"800ing centre at {self.origin} answered {operation} with a non-object")
        code = data.get("code", 0)
        try:
            code_int = int(code)
        except (TypeError, ValueError):
            raise UnexpectedResponse(
                f"800ing centre at {self.origin} answered {operation} with code {redact(str(code))!r}"
            ) from None
        if code_int != 0:
            raise error_for_code(
                code_int, _text(data.get("message")), origin=self.origin, operation=operation
            )
        return data

    def _call(
        self,
        account: AgentAccount,
        method: str,
        params: Mapping[str, Any] | None = None,
        *,
        path: str = JSON_PATH,
    ) -> dict[str, Any]:
        form = {"sa_user": account.extension, "sa_password": account.password_md5, "method": method}
        form.update({k: str(v) for k, v in (params or {}).items() if v is not None})
        response = self._send("POST", self._base.copy_with(path=path), method, data=form)
        return self._json(response, method)

    def monitor(self) -> MonitorReading:
        """800ing has no load monitor (contract R27): it reports no load of its own, and the engine's
        pacer counts our calls in flight, while the ``callback`` kind's ``agent_room`` (free accounts,
        ``--trunks``) is what really bounds how many calls start."""
        return MonitorReading(queue=0, playcount=0)

    # --- §2.1 – §2.6, §2.9 ------------------------------------------------------------------------
    def get_extension(self, account: AgentAccount) -> ExtensionInfo:
        """§2.1 登录 getExtension: checks the account (code -2 = wrong password) and yields the sessionId."""
        response_data = self._call(account, "getExtension")
        session = _text(response_data.get("sessionId")) or self._client.cookies.get("JSESSIONID")
        return ExtensionInfo(
            exte_id=_text(response_data.get("exteId")),
            name=_text(response_data.get("name")),
            extension=_text(response_data.get("extension")),
            comp_number=_text(response_data.get("compNumber")),
            comp_name=_text(response_data.get("compName")),
            disable_phone_num=_int(response_data.get("disablePhoneNum")),
            login_type=_int(response_data.get("exteLoginType")),
            session_id=session,
        )

    def callback_phone(self, account: AgentAccount, phone: str, paramvalue: str | None = None) -> None:
        """§2.2 callbackPhone: rings the agent, then ``descPhone``; ``paramvalue`` returns in every event."""
        self._call(account, "callbackPhone", {"descPhone": phone, "paramvalue": paramvalue})

    def hangup(self, account: AgentAccount) -> None:
        """§2.5 hangupExten on the jsonp path ("voip/api/jsonpdata.json 不跨域")."""
        self._call(account, "hangupExten", path=JSONP_PATH)

    def long_waterline(self, account: AgentAccount) -> Waterline:
        """§2.3 getLongWaterLine with ``loginType=jsonpLogin`` and ``client=1`` (第三方一般传 1)."""
        data = self._call(
            account, "getLongWaterLine", {"loginType": "jsonpLogin", "client": 1}, path=JSONP_PATH
        )
        msgs = data.get("msgs") or []
        if isinstance(msgs, dict):
            msgs = [msgs]
        return Waterline(
            waterline=_int(data.get("waterline", data.get("waterLine"))),
            keylist=_text(data.get("keylist")),
            msgs=tuple(parse_stream_message(m) for m in msgs if isinstance(m, dict)),
        )

    def recv_msg(self, account: AgentAccount, waterline: int, limit: int = 100) -> list[StreamMessage]:
        """§2.4 recvMsg: messages stored after ``waterLine`` (Unix ms), at most ``limit``."""
        data = self._call(account, "recvMsg", {"client": 1, "waterLine": waterline, "limit": limit})
        return [parse_stream_message(m) for m in data.get("msgs") or [] if isinstance(m, dict)]

    def stream_after(
        self, account: AgentAccount, waterline: int, limit: int = 100
    ) -> Iterator[StreamMessage]:
        """Every message after ``waterline``, paging recvMsg until a short page."""
        while True:
            page = self.recv_msg(account, waterline, limit)
            yield from page
            newest = max((m.waterline for m in page), default=waterline)
            if len(page) < limit or newest <= waterline:
                return
            waterline = newest

    def register_extension(self, admin: AgentAccount, showphone: str) -> NewAccount:
        """§2.9 registerExtension (needs an administrator account; -5 otherwise)."""
        data = self._call(admin, "registerExtension", {"showphone": showphone})
        extension, password = _text(data.get("extension")), _text(data.get("password"))
        if not extension or password is None:
            raise UnexpectedResponse(f"800ing centre at {self.origin}: registerExtension returned no account")
        return NewAccount(extension, password)

    # --- §2.11 / §2.12 -----------------------------------------------------------------------------
    def push_list(
        self,
        session_id: str,
        start: datetime,
        end: datetime,
        *,
        page: int = 1,
        rows: int = 100,
        status: int | None = None,
        extes: str = "",
        phone: str = "",
    ) -> PushPage:
        """§2.11 获取推送明细, one page; ``status`` 0 delivered, 1 failed, None all."""
        params = {
            "page": page,
            "rows": rows,
            "startTime": start.strftime("%Y-%m-%d %H:%M:%S"),
            "endTime": end.strftime("%Y-%m-%d %H:%M:%S"),
            "timeType": "cdrStartTime",
            "order": "cdrStartTime",
            "sort": "desc",
            "extes": extes,
            "status": "" if status is None else status,
            "phone": phone,
            "sessionId": session_id,
        }
        url = self._report_base.copy_with(path=PUSH_LIST_PATH)
        data = self._json(self._send("GET", url, "push_list", params=params), "push_list")
        raw_rows = data.get("rows", data.get("data", data.get("list", [])))
        if not isinstance(raw_rows, list):
            raise UnexpectedResponse(f"800ing centre at {self.origin}: push_list rows are not a list")
        total = data.get("total")
        return PushPage(tuple(parse_push_row(r) for r in raw_rows if isinstance(r, dict)), _opt_int(total))

    def push_rows(
        self, session_id: str, start: datetime, end: datetime, *, status: int | None = 1, rows: int = 100
    ) -> Iterator[PushRow]:
        """Every row in the window, page after page until a short one."""
        page = 1
        while True:
            got = self.push_list(session_id, start, end, page=page, rows=rows, status=status)
            yield from got.rows
            if len(got.rows) < rows:
                return
            page += 1

    def push_send(self, session_id: str, push_id: str) -> None:
        """§2.12 重新推送明细: the centre sends push ``id`` (a cdrsId) to our endpoint again."""
        url = self._report_base.copy_with(path=PUSH_SEND_PATH)
        self._json(
            self._send("GET", url, "push_send", params={"sessionId": session_id, "id": push_id}), "push_send"
        )

    # --- recordings ----------------------------------------------------------------------------------
    def download_recording(self, record_file: str, dest: Path) -> int:
        """§2.7 (2): GET /voip/record/{cdrRecordFile} streamed into ``dest``; returns the bytes written."""
        url = self._base.copy_with(path=RECORD_PATH + record_file.lstrip("/"))
        return self._stream_to(url, None, dest, "recording")

    def download_recording_mp3(self, cdr_id: str, dest: Path) -> int:
        """§2.7 "MP3 文件路径下载": record.json?id={cdrId}&ismp3=1 (the id read as the cdrId, R11)."""
        url = self._base.copy_with(path=MP3_PATH)
        return self._stream_to(url, {"id": cdr_id, "ismp3": 1}, dest, "recording mp3")

    def _stream_to(self, url: httpx.URL, params: Mapping[str, Any] | None, dest: Path, operation: str) -> int:
        partial = dest.with_name(dest.name + ".part")
        written = 0
        try:
            with self._client.stream("GET", url, params=params) as response:
                if response.status_code != 200:
                    raise error_for_status(response.status_code, origin=self.origin, operation=operation)
                with partial.open("wb") as out:
                    for chunk in response.iter_bytes():
                        out.write(chunk)
                        written += len(chunk)
        except httpx.HTTPError as exc:
            partial.unlink(missing_ok=True)
            raise CenterUnreachable(
                f"800ing centre at {self.origin} failed the {operation} download: {type(exc).__name__}"
            ) from None
        except CallCenterError:
            partial.unlink(missing_ok=True)
            raise
        partial.replace(dest)  # nothing half-written under the real name
        return written


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _int(value: Any) -> int:
    parsed = _opt_int(value)
    return 0 if parsed is None else parsed


def _opt_int(value: Any) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None
