"""A Java-like centre serving §26 TextToCallService over real HTTP, in either WSDL dialect.

The centre places each timed call itself and retries it (``calltime``, 3 tries as table 6-1 says):
states go WAITING → TRYING → (RING_TIME_OUT → TRYING)… → CONFIRM, or CALL_FAILED after the third
unanswered try ("CALL_FAILED: 尝试 3 次失败"). Each listing advances every open call by one step, so a
test sees every state without sleeping. ``answer_on_try(callee)`` scripts it: the last digit 0–3
answers on the 1st try, 4–5 on the 2nd, 6 on the 3rd, 7–9 never.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from lxml import etree

from tests.soap_servers.wsdl_documents import FIELDS, SoapStyle, wsdl_document

__all__ = [
    "CXF",
    "PACKAGED_LIKE",
    "XFIRE",
    "RunningSoapServer",
    "SoapStyle",
    "answer_on_try",
    "running_soap_server",
]

CXF = SoapStyle(
    name="cxf",
    namespace="http://service.ttc.example.org/",
    part_prefix="arg",
    result="return",
    qualified=False,
    record_type="texttocal",
    wrapped_arrays=False,
    binding="TextToCallServiceImplServiceSoapBinding",
    service="TextToCallServiceImplService",
    port="TextToCallServiceImplPort",
)
#: XFire in the namespace of the WSDLs shipped in the package (what the fallback expects).
PACKAGED_LIKE: SoapStyle
XFIRE = SoapStyle(
    name="xfire",
    namespace="http://ttc.xfire.example.net",
    part_prefix="in",
    result="out",
    qualified=True,
    record_type="Texttocal",
    wrapped_arrays=True,
    binding="TextToCallServiceHttpBinding",
    service="TextToCallService",
    port="TextToCallServiceHttpPort",
)

PACKAGED_LIKE = dataclasses.replace(
    XFIRE, name="xfire-guoxin", namespace="http://webservice.bridge.guoxin.cn"
)

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
MAX_TRIES = 3
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True)


def answer_on_try(callee: str) -> int | None:
    digit = int(callee[-1])
    return 1 if digit <= 3 else 2 if digit <= 5 else 3 if digit == 6 else None


@dataclass
class Task:
    id: int
    fields: dict[str, Any]
    state: str = "WAITING"
    calltime: int = 0
    playingtime: int | None = None
    create_time: datetime = field(default_factory=lambda: datetime.now(UTC))

    def step(self) -> None:
        """One step of the centre's own dialling: a try starts, or the current try ends."""
        if self.state in ("CONFIRM", "CALL_FAILED"):
            return
        calldate = self.fields.get("calldate")
        if self.state == "WAITING" and isinstance(calldate, datetime) and calldate > datetime.now(UTC):
            return
        if self.state in ("WAITING", "RING_TIME_OUT"):
            self.state, self.calltime = "TRYING", self.calltime + 1
        elif answer_on_try(str(self.fields["callee"])) == self.calltime:
            self.state, self.playingtime = "CONFIRM", 12
        else:
            self.state = "CALL_FAILED" if self.calltime >= MAX_TRIES else "RING_TIME_OUT"

    def record(self) -> dict[str, Any]:
        """In the schema's sequence order (a strict client refuses any other)."""
        given = {name: self.fields.get(name) for name, _ in FIELDS[:9]}
        return {
            **given,
            "id": self.id,
            "createTime": self.create_time,
            "state": self.state,
            "ttsfile": f"/var/tts/{self.id}.wav",
            "calltime": self.calltime,
            "playingtime": self.playingtime,
        }


class TextToCallCentre:
    def __init__(self, style: SoapStyle) -> None:
        self.style = style
        self.tasks: dict[int, Task] = {}
        self.requests: list[tuple[str, dict[str, Any]]] = []  # operation, arguments by part name
        self.wsdl_fetches = 0
        self.lock = threading.Lock()

    def dials(self, callee: str) -> int:
        """How many times the centre dialled ``callee`` (its own retries included)."""
        with self.lock:
            return sum(t.calltime for t in self.tasks.values() if t.fields["callee"] == callee)

    # --- operations ---------------------------------------------------------------------------
    def make_call(self, info: dict[str, Any]) -> int:
        if not info.get("callee") or not info.get("content"):
            raise ValueError("callee and content are required")
        task_id = info.get("id")
        if task_id not in (None, -1) and int(task_id) in self.tasks:
            task = self.tasks[int(task_id)]
            if task.state != "WAITING":
                raise ValueError("only a WAITING task can be modified")
            task.fields.update({k: v for k, v in info.items() if k != "id"})
            return task.id
        new = Task(len(self.tasks) + 1, {k: v for k, v in info.items() if k != "id"})
        self.tasks[new.id] = new
        return new.id

    def listing(self, args: list[Any], *, uncalled: bool) -> list[dict[str, Any]]:
        first, max_results, servicetype, linkkey = args
        for task in self.tasks.values():
            task.step()
        rows = [
            t.record()
            for t in sorted(self.tasks.values(), key=lambda t: t.id)
            if (not servicetype or t.fields.get("servicetype") == servicetype)
            and (linkkey is None or t.fields.get("linkkey") == linkkey)
            and (not uncalled or t.state == "WAITING")
        ]
        start = first or 0
        return rows[start : start + (1000 if max_results is None else max_results)]


def _local(element: etree._Element) -> str:
    return str(etree.QName(element).localname)


def _value(element: etree._Element | None, kind: str) -> Any:
    if element is None or element.get(f"{{{XSI}}}nil") in ("true", "1"):
        return None
    text = (element.text or "").strip()
    if kind == "int":
        return int(text) if text else None
    if kind == "boolean":
        return text in ("true", "1")
    if kind == "dateTime":
        return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None
    return element.text or ""


_RECORD_KINDS = {
    "id": "int",
    "assisid": "int",
    "linkkey": "int",
    "calldate": "dateTime",
    "voipcall": "boolean",
}


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


class _Answer:
    def __init__(self, style: SoapStyle, operation: str) -> None:
        self.style = style
        self.envelope = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap={"soap": SOAP_ENV})
        body = etree.SubElement(self.envelope, f"{{{SOAP_ENV}}}Body")
        self.response = etree.SubElement(
            body, f"{{{style.namespace}}}{operation}Response", nsmap={"ns2": style.namespace}
        )

    def child(self, parent: etree._Element, name: str) -> etree._Element:
        tag = f"{{{self.style.namespace}}}{name}" if self.style.qualified else name
        return etree.SubElement(parent, tag)

    def scalar(self, value: Any) -> bytes:
        self.child(self.response, self.style.result).text = _text(value)
        return self.bytes()

    def records(self, rows: list[dict[str, Any]]) -> bytes:
        parent = self.response
        item_name = self.style.result
        if self.style.wrapped_arrays:
            parent = self.child(self.response, self.style.result)
            item_name = self.style.record_type
        for row in rows:
            item = self.child(parent, item_name)
            for name, value in row.items():
                if value is not None:
                    self.child(item, name).text = _text(value)
        return self.bytes()

    def bytes(self) -> bytes:
        return bytes(etree.tostring(self.envelope, xml_declaration=True, encoding="UTF-8"))


def _fault(message: str) -> bytes:
    envelope = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap={"soap": SOAP_ENV})
    fault = etree.SubElement(etree.SubElement(envelope, f"{{{SOAP_ENV}}}Body"), f"{{{SOAP_ENV}}}Fault")
    etree.SubElement(fault, "faultcode").text = "soap:Client"
    etree.SubElement(fault, "faultstring").text = message
    return bytes(etree.tostring(envelope, xml_declaration=True, encoding="UTF-8"))


def handle_soap(centre: TextToCallCentre, body: bytes) -> tuple[int, bytes]:
    style = centre.style
    try:
        root = etree.fromstring(body, _PARSER)
        request = next(iter(root.find(f"{{{SOAP_ENV}}}Body")))  # type: ignore[arg-type]
        operation = _local(request)
        if etree.QName(request).namespace != style.namespace:
            raise ValueError(f"{operation} is not in {style.namespace}")
        parts = {_local(child): child for child in request}
        names = [f"{style.part_prefix}{i}" for i in range(4)]  # an omitted part is null, as in Java
        if set(parts) - set(names):
            raise ValueError(f"{operation} expects parts {style.part_prefix}0…, got {sorted(parts)}")
        answer = _Answer(style, operation)
        with centre.lock:
            if operation == "makeCall":
                record = parts.get(names[0])
                if record is None:
                    raise ValueError(f"makeCall needs {names[0]}")
                info = {_local(c): _value(c, _RECORD_KINDS.get(_local(c), "string")) for c in record}
                centre.requests.append((operation, {names[0]: info}))
                return 200, answer.scalar(centre.make_call(info))
            if operation == "remove":
                task_id = _value(parts.get(names[0]), "int")
                centre.requests.append((operation, {names[0]: task_id}))
                if centre.tasks.pop(task_id, None) is None:
                    raise ValueError(f"no task {task_id}")
                return 200, answer.bytes()
            if operation in ("listWithToken", "listUnCalled"):
                kinds = ["int", "int", "string", "int"]
                args = [_value(parts.get(n), k) for n, k in zip(names, kinds, strict=True)]
                centre.requests.append((operation, dict(zip(names, args, strict=True))))
                return 200, answer.records(centre.listing(args, uncalled=operation == "listUnCalled"))
        raise ValueError(f"no operation {operation}")
    except (ValueError, TypeError, StopIteration, etree.XMLSyntaxError) as exc:
        return 500, _fault(str(exc))


@dataclass
class RunningSoapServer:
    base_url: str
    centre: TextToCallCentre


@contextmanager
def running_soap_server(style: SoapStyle, *, publish_wsdl: bool = True) -> Iterator[RunningSoapServer]:
    """The centre on 127.0.0.1 (a free port); ``base_url`` is what DIALER_CALLCENTER_URL would be.

    Also answers ``IVR_TTS_CALL_MONITOR`` (queue=0, playcount = calls being tried) for the pacer.
    ``publish_wsdl=False``: ``?wsdl`` answers 404, as a centre behind a proxy that hides it."""
    centre = TextToCallCentre(style)

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _send(self, status: int, body: bytes, media: str = "text/xml; charset=utf-8") -> None:
            self.send_response(status)
            self.send_header("Content-Type", media)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            query = parse_qs(url.query, keep_blank_values=True)
            wants_wsdl = "wsdl" in {k.lower() for k in query}
            if url.path == "/bridge/services/TextToCallService" and wants_wsdl and publish_wsdl:
                with centre.lock:
                    centre.wsdl_fetches += 1
                location = f"http://{self.headers['Host']}{url.path}"
                self._send(200, wsdl_document(style, location).encode())
            elif url.path == "/bridge/callctrl" and query.get("opt") == ["IVR_TTS_CALL_MONITOR"]:
                with centre.lock:
                    trying = sum(t.state == "TRYING" for t in centre.tasks.values())
                self._send(200, f"queue=0;playcount={trying}".encode(), "text/plain")
            else:
                self._send(404, b"404", "text/plain")

        def do_POST(self) -> None:
            if urlsplit(self.path).path != "/bridge/services/TextToCallService":
                self._send(404, b"404", "text/plain")
                return
            length = int(self.headers.get("Content-Length") or 0)
            status, body = handle_soap(centre, self.rfile.read(length))
            self._send(status, body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name=f"soap-{style.name}", daemon=True)
    thread.start()
    try:
        yield RunningSoapServer(f"http://127.0.0.1:{server.server_address[1]}", centre)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
