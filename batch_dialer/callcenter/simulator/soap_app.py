"""The SOAP services (§25 Click2CallControl, §26 TextToCallService, §28 CallRecordHome).

``GET /bridge/services/<Name>?wsdl`` serves the package's WSDL with its soap:address pointing at the
URL it was fetched from; ``POST`` dispatches on the Body's first element. Errors are SOAP 1.1 Faults
(HTTP 500), as docs/guoxin-contract.md reads the document.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from datetime import datetime
from importlib import resources
from typing import Any

from lxml import etree
from starlette.requests import Request
from starlette.responses import Response

from .center import ClickCallError, SimCenter
from .phone_mask import mask_phone
from .soap_xml import (
    SoapRequestError,
    build_fault,
    build_response,
    parse_request,
    read_bool,
    read_datetime,
    read_int,
    read_text,
)
from .text_to_call import TimedCallError

__all__ = ["SERVICES", "soap_endpoint", "wsdl_for"]

log = logging.getLogger("batch_dialer.simulator")
_XML = "text/xml; charset=utf-8"
_WSDL_SOAP = "http://schemas.xmlsoap.org/wsdl/soap/"
Args = dict[str, etree._Element]
Operation = Callable[[SimCenter, Args], bytes]


def _texttocal(element: etree._Element | None, center: SimCenter) -> dict[str, Any]:
    if element is None or read_text(element) is None:
        raise SoapRequestError("in0 (Texttocal) is required")
    fields = {etree.QName(child).localname: child for child in element}
    return {
        "id": read_int(fields.get("id")),
        "caller": read_text(fields.get("caller")),
        "callee": read_text(fields.get("callee")),
        "content": read_text(fields.get("content")),
        "assisid": read_int(fields.get("assisid")),
        "calldate": read_datetime(fields.get("calldate"), center.tz),
        "voipcall": read_bool(fields.get("voipcall")),
        "servicetype": read_text(fields.get("servicetype")),
        "linkkey": read_int(fields.get("linkkey")),
    }


def _make_call(center: SimCenter, args: Args) -> bytes:
    task_id = center.make_timed_call(_texttocal(args.get("in0"), center))
    return build_response("makeCall", task_id)


def _remove(center: SimCenter, args: Args) -> bytes:
    task_id = read_int(args.get("in0"))
    if task_id is None:
        raise SoapRequestError("in0 (id) is required")
    center.remove_timed_call(task_id)
    return build_response("remove", None, void=True)


def _list_tasks(operation: str, *, uncalled: bool) -> Operation:
    def handler(center: SimCenter, args: Args) -> bytes:
        first = read_int(args.get("in0")) or 0
        max_results = read_int(args.get("in1"))
        tasks = center.timed_calls(
            first,
            1000 if max_results is None else max_results,
            read_text(args.get("in2")),
            read_int(args.get("in3")),
            uncalled=uncalled,
        )
        return build_response(operation, tasks, item="Texttocal")

    return handler


def _bound(text: str | None, center: SimCenter) -> float | None:
    if not text or not text.strip():
        return None
    try:
        return datetime.strptime(text.strip(), "%Y-%m-%d %H:%M:%S").replace(tzinfo=center.tz).timestamp()
    except ValueError:
        raise SoapRequestError(f"bad date {text!r}, expected yyyy-MM-dd HH:mm:ss") from None


def _list_calllog(center: SimCenter, args: Args) -> bytes:
    max_results = read_int(args.get("in1"))
    direction = read_int(args.get("in5")) or 0
    if direction not in (0, 1, 2):
        raise SoapRequestError("dirction must be 0, 1 or 2")
    rows = center.call_log(
        first=max(read_int(args.get("in0")) or 0, 0),
        max_results=1000 if max_results is None else max(max_results, 0),
        begin=_bound(read_text(args.get("in2")), center),
        end=_bound(read_text(args.get("in3")), center),
        end_inclusive=True,
        telnum=read_text(args.get("in4")) or None,
        direction=direction,
        soap=True,
    )
    return build_response("listCalllog", rows, item="Calllog")


def _click(operation: str) -> Operation:
    def handler(center: SimCenter, args: Args) -> bytes:
        extnum, callee = read_text(args.get("in0")), read_text(args.get("in1"))
        if not extnum or not callee:
            raise SoapRequestError("in0 (extnum) and in1 (callee) are required")
        click_id = center.click_call(extnum, callee)
        log.debug("%s %s -> %s", operation, mask_phone(callee), click_id)
        return build_response(operation, click_id)

    return handler


def _click_id(args: Args) -> str:
    click_id = read_text(args.get("in0"))
    if not click_id:
        raise SoapRequestError("in0 (clickCallId) is required")
    return click_id


def _hangup(center: SimCenter, args: Args) -> bytes:
    center.click_hangup(_click_id(args))
    return build_response("click2hungup", None, void=True)


def _state4click(center: SimCenter, args: Args) -> bytes:
    return build_response("state4click", center.click_state(_click_id(args)))


SERVICES: dict[str, dict[str, Operation]] = {
    "TextToCallService": {
        "makeCall": _make_call,
        "remove": _remove,
        "listWithToken": _list_tasks("listWithToken", uncalled=False),
        "listUnCalled": _list_tasks("listUnCalled", uncalled=True),
    },
    "CallRecordHome": {"listCalllog": _list_calllog},
    "Click2CallControl": {
        "click2call": _click("click2call"),
        "click2ipcall": _click("click2ipcall"),
        "click2hungup": _hangup,
        "state4click": _state4click,
    },
}


@functools.lru_cache(maxsize=8)
def _wsdl_template(service: str) -> bytes:
    return resources.files("batch_dialer.callcenter").joinpath("wsdl", f"{service}.wsdl").read_bytes()


def wsdl_for(service: str, location: str) -> bytes:
    """The packaged WSDL with every soap:address pointing at ``location``."""
    root = etree.fromstring(_wsdl_template(service), etree.XMLParser(resolve_entities=False, no_network=True))
    for address in root.iter(f"{{{_WSDL_SOAP}}}address"):
        address.set("location", location)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def _fault(code: str, message: str) -> Response:
    return Response(build_fault(code, message), status_code=500, media_type=_XML)


async def soap_endpoint(center: SimCenter, request: Request) -> Response:
    service = request.path_params["service"]
    operations = SERVICES.get(service)
    if operations is None:
        return Response("404", status_code=404, media_type="text/plain")
    if request.method == "GET":
        if "wsdl" not in {k.lower() for k in request.query_params}:
            return Response(
                f"{service}: POST SOAP 1.1 requests here; ?wsdl for the WSDL", media_type="text/plain"
            )
        location = str(request.url.replace(query=""))
        return Response(wsdl_for(service, location), media_type=_XML)
    try:
        operation, args = parse_request(await request.body())
        handler = operations.get(operation)
        if handler is None:
            raise SoapRequestError(f"{service} has no operation {operation!r}")
        return Response(handler(center, args), media_type=_XML)
    except (SoapRequestError, TimedCallError) as exc:
        return _fault("Client", str(exc))
    except ClickCallError as exc:
        return _fault("Server", str(exc))
