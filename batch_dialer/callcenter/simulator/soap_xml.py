"""SOAP 1.1 envelopes for the simulator: read a document/literal wrapped request, write the answer.

Hand-written with lxml because the services are tiny and spyne does not run on current Pythons.
Request children are matched by local name (lenient about prefixes); answers are qualified in the
contract's namespace, which is what the WSDLs' ``elementFormDefault="qualified"`` asks for.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from lxml import etree

__all__ = [
    "SOAP_ENV",
    "TNS",
    "XSI",
    "SoapRequestError",
    "build_fault",
    "build_response",
    "parse_request",
    "read_bool",
    "read_datetime",
    "read_int",
    "read_text",
]

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
TNS = "http://webservice.bridge.guoxin.cn"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_blank_text=True)


class SoapRequestError(Exception):
    """The request is malformed: answered with a soap:Client fault."""


def _local(element: etree._Element) -> str:
    return str(etree.QName(element).localname)


def parse_request(body: bytes) -> tuple[str, dict[str, etree._Element]]:
    """The operation (the Body's first element) and its children by local name (in0, in1, ...)."""
    try:
        root = etree.fromstring(body, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise SoapRequestError(f"malformed XML: {exc}") from None
    if root.tag != f"{{{SOAP_ENV}}}Envelope":
        raise SoapRequestError("not a SOAP 1.1 Envelope")
    soap_body = root.find(f"{{{SOAP_ENV}}}Body")
    operation = None if soap_body is None else next(iter(soap_body), None)
    if operation is None:
        raise SoapRequestError("empty SOAP Body")
    return _local(operation), {_local(child): child for child in operation}


def _is_nil(element: etree._Element | None) -> bool:
    return element is None or element.get(f"{{{XSI}}}nil") in ("true", "1")


def read_text(element: etree._Element | None) -> str | None:
    return None if _is_nil(element) or element is None else (element.text or "")


def read_int(element: etree._Element | None) -> int | None:
    text = read_text(element)
    if text is None or not text.strip():
        return None
    try:
        return int(text.strip())
    except ValueError:
        raise SoapRequestError(
            f"{_local(element) if element is not None else '?'} is not an integer"
        ) from None


def read_bool(element: etree._Element | None) -> bool | None:
    text = read_text(element)
    if text is None or not text.strip():
        return None
    return text.strip() in ("true", "1")


def read_datetime(element: etree._Element | None, tz: ZoneInfo) -> datetime | None:
    """xsd:dateTime; a value without offset is taken in the centre's time zone."""
    text = read_text(element)
    if text is None or not text.strip():
        return None
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise SoapRequestError(f"bad dateTime {text!r}") from None
    return value if value.tzinfo is not None else value.replace(tzinfo=tz)


def _format(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat(timespec="milliseconds")
    return str(value)


def _fill(parent: etree._Element, fields: Mapping[str, Any]) -> None:
    for name, value in fields.items():
        if value is not None:
            etree.SubElement(parent, f"{{{TNS}}}{name}").text = _format(value)


def _envelope() -> tuple[etree._Element, etree._Element]:
    nsmap = {"soap": SOAP_ENV, "xsd": "http://www.w3.org/2001/XMLSchema", "xsi": XSI}
    envelope = etree.Element(f"{{{SOAP_ENV}}}Envelope", nsmap=nsmap)
    return envelope, etree.SubElement(envelope, f"{{{SOAP_ENV}}}Body")


def build_response(operation: str, out: Any, *, void: bool = False, item: str | None = None) -> bytes:
    """``<op>Response`` with a single ``out``: a simple value, or an array of ``item`` records."""
    envelope, body = _envelope()
    response = etree.SubElement(body, f"{{{TNS}}}{operation}Response", nsmap={"ns1": TNS})
    if not void:
        out_element = etree.SubElement(response, f"{{{TNS}}}out")
        if item is not None:
            records: Sequence[Mapping[str, Any]] = out
            for record in records:
                _fill(etree.SubElement(out_element, f"{{{TNS}}}{item}"), record)
        elif out is None:
            out_element.set(f"{{{XSI}}}nil", "true")
        else:
            out_element.text = _format(out)
    return bytes(etree.tostring(envelope, xml_declaration=True, encoding="UTF-8"))


def build_fault(code: str, message: str) -> bytes:
    """A SOAP 1.1 Fault; ``code`` is ``Client`` or ``Server``."""
    envelope, body = _envelope()
    fault = etree.SubElement(body, f"{{{SOAP_ENV}}}Fault")
    etree.SubElement(fault, "faultcode").text = f"soap:{code}"
    etree.SubElement(fault, "faultstring").text = message
    return bytes(etree.tostring(envelope, xml_declaration=True, encoding="UTF-8"))
