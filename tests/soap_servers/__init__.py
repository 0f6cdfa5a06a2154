"""SOAP servers written for the tests (not from the adapter's WSDL): TextToCallService (§26) published
JAX-WS/CXF-style and XFire-style, each in a namespace of its own."""

from tests.soap_servers.text_to_call_server import (
    CXF,
    PACKAGED_LIKE,
    XFIRE,
    RunningSoapServer,
    SoapStyle,
    answer_on_try,
    running_soap_server,
)

__all__ = [
    "CXF",
    "PACKAGED_LIKE",
    "XFIRE",
    "RunningSoapServer",
    "SoapStyle",
    "answer_on_try",
    "running_soap_server",
]
