"""The Guoxin centre's SOAP services (§25 Click2CallControl, §26 TextToCallService, §28 CallRecordHome).

Operations are called through the WSDL the centre publishes (``soap_clients``): parts by the binding's
own names, one zeep client per thread. Readings where the document is silent: docs/guoxin-contract.md.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import requests
import zeep
import zeep.exceptions
import zeep.helpers

from batch_dialer.callcenter.capabilities import TimedTtsCalls
from batch_dialer.callcenter.errors import (
    BadParameters,
    CallCenterError,
    CenterServerError,
    CenterUnreachable,
    UnexpectedResponse,
    error_for_status,
)
from batch_dialer.callcenter.log_redaction import install_log_redaction
from batch_dialer.callcenter.masking import redact
from batch_dialer.callcenter.results import CallLogEntry, Click2CallState, TextToCall, TextToCallState
from batch_dialer.callcenter.soap_clients import SoapEndpoint, soap_endpoint

__all__ = ["GuoxinSoap"]

install_log_redaction()


class GuoxinSoap(TimedTtsCalls):
    """Typed calls to the three SOAP services; failures become ``CallCenterError`` subclasses."""

    def __init__(
        self,
        base_url: str,
        timeout: float = 10.0,
        operation_timeout: float = 10.0,
        tz: str | ZoneInfo = "Asia/Shanghai",
    ) -> None:
        url = httpx.URL(base_url)
        if url.scheme not in ("http", "https") or not url.host:
            raise ValueError(f"call centre URL must look like http://host:port, got scheme {url.scheme!r}")
        self.origin = f"{url.scheme}://{url.netloc.decode('ascii')}"
        self._base_url = str(url.copy_with(query=None, fragment=None))
        self._timeout = float(timeout)
        self._operation_timeout = float(operation_timeout)
        self.tz = tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)

    def __repr__(self) -> str:
        return f"GuoxinSoap({self.origin!r})"

    def endpoint(self, name: str) -> SoapEndpoint:
        """This thread's client for service ``name`` (built from the centre's WSDL on first use)."""
        return soap_endpoint(name, self._base_url, self._timeout, self._operation_timeout)

    def _invoke(self, service: str, operation: str, *args: Any) -> Any:
        where = f"{service}.{operation}"
        try:
            return self.endpoint(service).call(operation, *args)
        except zeep.exceptions.Fault as fault:
            error: CallCenterError
            text = redact(str(fault.message or "")).replace("\n", " ")[:200]
            message = f"call centre at {self.origin} answered {where} with a SOAP fault: {text}"
            error = (
                BadParameters(message)
                if "client" in str(fault.code or "").lower()
                else CenterServerError(message)
            )
        except zeep.exceptions.TransportError as exc:
            error = error_for_status(exc.status_code, origin=self.origin, operation=where)
        except requests.exceptions.Timeout:
            error = CenterUnreachable(f"call centre at {self.origin} did not answer {where} in time")
        except requests.exceptions.RequestException as exc:
            detail = redact(str(exc)).replace("\n", " ")[:200] or type(exc).__name__
            error = CenterUnreachable(f"call centre at {self.origin} is unreachable ({where}): {detail}")
        except zeep.exceptions.ValidationError as exc:
            raise ValueError(f"invalid arguments for {where}: {redact(str(exc))}") from None
        except (zeep.exceptions.Error, ValueError) as exc:
            error = self._unreadable(where, exc)
        raise error from None

    def _unreadable(self, where: str, why: object) -> UnexpectedResponse:
        detail = redact(str(why)).replace("\n", " ")[:200] or type(why).__name__
        return UnexpectedResponse(f"call centre at {self.origin} answered {where} unreadably: {detail}")

    def _local(self, value: datetime) -> datetime:
        return value.replace(tzinfo=self.tz) if value.tzinfo is None else value

    # --- TextToCallService (§26) -----------------------------------------------------------------
    def make_call(self, call: TextToCall) -> int:
        """Schedule a TTS call at ``call.calldate``; returns the centre's id (use it with ``remove``)."""
        info = {
            "id": call.id,
            "caller": call.caller,
            "callee": call.callee,
            "content": call.content,
            "assisid": call.assisid,
            "calldate": self._local(call.calldate),
            "voipcall": call.voipcall,
            "servicetype": call.servicetype,
            "linkkey": call.linkkey,
        }

        value = self._invoke("TextToCallService", "makeCall", info)
        try:
            return int(value)
        except (TypeError, ValueError):
            raise self._unreadable("TextToCallService.makeCall", "expected an int id") from None

    def remove(self, call_id: int) -> None:
        self._invoke("TextToCallService", "remove", call_id)

    def list_with_token(
        self, first: int, max_results: int, servicetype: str, linkkey: int | None = None
    ) -> list[TextToCall]:
        """Every call of ``servicetype`` (and ``linkkey``, an Integer; None sends it empty), whatever its
        state: §26.3.3 ``listWithToken(first, maxResults, servicetype, linkkey)``."""
        rows = self._invoke("TextToCallService", "listWithToken", first, max_results, servicetype, linkkey)
        return self._texttocals(rows, "listWithToken")

    def list_uncalled(
        self, first: int, max_results: int, servicetype: str, linkkey: int | None = None
    ) -> list[TextToCall]:
        """The calls still WAITING."""
        rows = self._invoke("TextToCallService", "listUnCalled", first, max_results, servicetype, linkkey)
        return self._texttocals(rows, "listUnCalled")

    def _texttocals(self, rows: Any, operation: str) -> list[TextToCall]:
        try:
            return [self._texttocal(row) for row in _array_items(rows)]
        except (TypeError, ValueError, KeyError) as exc:
            raise self._unreadable(f"TextToCallService.{operation}", exc) from None

    def _texttocal(self, row: dict[str, Any]) -> TextToCall:
        def opt_dt(value: datetime | None) -> datetime | None:
            return None if value is None else self._local(value)

        state = row.get("state")
        calldate = opt_dt(row.get("calldate"))
        return TextToCall(
            id=int(row["id"]) if row.get("id") is not None else -1,
            caller=row.get("caller") or "",
            callee=row.get("callee") or "",
            content=row.get("content") or "",
            assisid=int(row.get("assisid") or 0),
            calldate=calldate if calldate is not None else datetime.fromtimestamp(0, self.tz),
            voipcall=bool(row.get("voipcall")),
            servicetype=row.get("servicetype") or "",
            linkkey=row.get("linkkey"),
            create_time=opt_dt(row.get("createTime")),
            state=TextToCallState(state) if state else None,
            ttsfile=row.get("ttsfile"),
            calltime=row.get("calltime"),
            playingtime=row.get("playingtime"),
        )

    # --- CallRecordHome (§28) --------------------------------------------------------------------
    def list_calllog(
        self,
        first: int,
        max_results: int,
        begin: datetime,
        end: datetime,
        telnum: str | None = None,
        direction: int = 0,
    ) -> list[CallLogEntry]:
        """Call-log rows between two instants (naive ones are the centre's local time)."""
        if direction not in (0, 1, 2):
            raise ValueError("direction must be 0 (all), 1 (incoming) or 2 (outgoing)")
        fmt = "%Y-%m-%d %H:%M:%S"
        begin_text = self._local(begin).astimezone(self.tz).strftime(fmt)
        end_text = self._local(end).astimezone(self.tz).strftime(fmt)
        rows = self._invoke(
            "CallRecordHome", "listCalllog", first, max_results, begin_text, end_text, telnum, direction
        )
        try:
            return [CallLogEntry.from_json(row) for row in _array_items(rows)]
        except (TypeError, ValueError, OverflowError) as exc:
            raise self._unreadable("CallRecordHome.listCalllog", exc) from None

    # --- Click2CallControl (§25) -----------------------------------------------------------------
    def click2call(self, extnum: str, callee: str) -> str:
        """Ring agent ``extnum``, then the callee over a fixed/E1/GoIP line; returns the click-call id."""
        return str(self._invoke("Click2CallControl", "click2call", extnum, callee))

    def click2ipcall(self, extnum: str, callee: str) -> str:
        """As ``click2call`` over a VoIP line."""
        return str(self._invoke("Click2CallControl", "click2ipcall", extnum, callee))

    def click2hungup(self, click_call_id: str) -> None:
        self._invoke("Click2CallControl", "click2hungup", click_call_id)

    def state4click(self, click_call_id: str) -> Click2CallState:
        value = self._invoke("Click2CallControl", "state4click", click_call_id)
        try:
            return Click2CallState(int(value))
        except (TypeError, ValueError):
            raise self._unreadable("Click2CallControl.state4click", "an undocumented state") from None


def _array_items(value: Any) -> list[dict[str, Any]]:
    """The records of an array answer as plain dicts, skipping nil items: XFire wraps them
    (``<out><Texttocal>…</Texttocal>…</out>``), JAX-WS repeats the result element (``<return>…``)."""
    if value is None:
        return []
    data = zeep.helpers.serialize_object(value, dict)
    if isinstance(data, dict):  # the ArrayOfX wrapper: its one list-valued field holds the items
        lists = [v for k, v in data.items() if k != "_raw_elements" and isinstance(v, list)]
        if lists:
            data = lists[0]
        elif all(v is None for k, v in data.items() if k != "_raw_elements"):
            data = []
        else:
            data = [data]
    return [
        {k: v for k, v in item.items() if k != "_raw_elements"}
        for item in (data or [])
        if isinstance(item, dict)
    ]
