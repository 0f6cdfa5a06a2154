"""The two WSDL dialects a Java centre publishes for §26's ``TextToCallService``, written from the
document's Java signatures:

- JAX-WS/CXF: parts ``arg0…``, result ``return`` (repeated for arrays), unqualified children, the bean
  type named ``texttocal``, bindings/services named ``…ImplServiceSoapBinding`` / ``…ImplService``;
- XFire: parts ``in0…``, result ``out`` wrapping ``ArrayOfTexttocal``, qualified children.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["FIELDS", "SoapStyle", "wsdl_document"]

FIELDS = [
    ("id", "int"),
    ("caller", "string"),
    ("callee", "string"),
    ("content", "string"),
    ("assisid", "int"),
    ("calldate", "dateTime"),
    ("voipcall", "boolean"),
    ("servicetype", "string"),
    ("linkkey", "int"),
    ("createTime", "dateTime"),
    ("state", "string"),
    ("ttsfile", "string"),
    ("calltime", "int"),
    ("playingtime", "int"),
]
_LIST_PARTS = [("int", "first"), ("int", "maxResults"), ("string", "servicetype"), ("int", "linkkey")]


@dataclass(frozen=True)
class SoapStyle:
    name: str
    namespace: str
    part_prefix: str  # "arg" or "in"
    result: str  # "return" or "out"
    qualified: bool
    record_type: str  # "texttocal" or "Texttocal"
    wrapped_arrays: bool  # XFire's ArrayOfTexttocal
    binding: str
    service: str
    port: str


def _element(name: str, xsd_type: str, *, many: bool = False) -> str:
    occurs = ' maxOccurs="unbounded"' if many else ""
    return f'<xs:element name="{name}" type="{xsd_type}" minOccurs="0"{occurs} nillable="true"/>'


def _wrapper(name: str, children: list[str]) -> str:
    inner = "".join(children)
    sequence = f"<xs:complexType><xs:sequence>{inner}</xs:sequence></xs:complexType>"
    return f'<xs:element name="{name}">{sequence}</xs:element>'


def wsdl_document(style: SoapStyle, location: str) -> str:
    p = style.part_prefix
    record = f"tns:{style.record_type}"
    fields = "".join(_element(name, f"xs:{kind}") for name, kind in FIELDS)
    types = [
        f'<xs:complexType name="{style.record_type}"><xs:sequence>{fields}</xs:sequence></xs:complexType>'
    ]
    if style.wrapped_arrays:
        types.append(
            '<xs:complexType name="ArrayOfTexttocal"><xs:sequence>'
            f"{_element(style.record_type, record, many=True)}</xs:sequence></xs:complexType>"
        )
        array_result = [_element(style.result, "tns:ArrayOfTexttocal")]
    else:
        array_result = [_element(style.result, record, many=True)]
    list_parts = [_element(f"{p}{i}", f"xs:{kind}") for i, (kind, _) in enumerate(_LIST_PARTS)]
    operations = {
        "makeCall": ([_element(f"{p}0", record)], [_element(style.result, "xs:int")]),
        "remove": ([_element(f"{p}0", "xs:int")], []),
        "listWithToken": (list_parts, array_result),
        "listUnCalled": (list_parts, array_result),
    }
    elements = []
    messages = []
    port_ops = []
    binding_ops = []
    for op, (request, response) in operations.items():
        elements += [_wrapper(op, request), _wrapper(f"{op}Response", response)]
        messages.append(
            f'<wsdl:message name="{op}"><wsdl:part name="parameters" element="tns:{op}"/></wsdl:message>'
            f'<wsdl:message name="{op}Response"><wsdl:part name="parameters" element="tns:{op}Response"/>'
            "</wsdl:message>"
        )
        port_ops.append(
            f'<wsdl:operation name="{op}"><wsdl:input name="{op}" message="tns:{op}"/>'
            f'<wsdl:output name="{op}Response" message="tns:{op}Response"/></wsdl:operation>'
        )
        binding_ops.append(
            f'<wsdl:operation name="{op}"><soap:operation soapAction="" style="document"/>'
            f'<wsdl:input name="{op}"><soap:body use="literal"/></wsdl:input>'
            f'<wsdl:output name="{op}Response"><soap:body use="literal"/></wsdl:output></wsdl:operation>'
        )
    form = "qualified" if style.qualified else "unqualified"
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/"'
        ' xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"'
        f' xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:tns="{style.namespace}"'
        f' targetNamespace="{style.namespace}" name="{style.service}">'
        f'<wsdl:types><xs:schema targetNamespace="{style.namespace}" elementFormDefault="{form}">'
        f"{''.join(types)}{''.join(elements)}</xs:schema></wsdl:types>"
        f"{''.join(messages)}"
        f'<wsdl:portType name="TextToCallService">{"".join(port_ops)}</wsdl:portType>'
        f'<wsdl:binding name="{style.binding}" type="tns:TextToCallService">'
        '<soap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>'
        f"{''.join(binding_ops)}</wsdl:binding>"
        f'<wsdl:service name="{style.service}"><wsdl:port name="{style.port}" binding="tns:{style.binding}">'
        f'<soap:address location="{location}"/></wsdl:port></wsdl:service>'
        "</wsdl:definitions>"
    )
