"""Zeep clients for the centre's SOAP services: the WSDL the centre publishes, one client per thread.

§25/§26/§28 give only ``http://x.x.x.x:12121/bridge/services/NAME?wsdl`` and Java signatures, so the
centre's own WSDL is authoritative: it is fetched once per process (every thread's transport reads the
same document cache) and its binding names the operations' parts — XFire-style ``in0…``/``out`` or
JAX-WS/CXF-style ``arg0…``/``return`` in any namespace. The WSDLs shipped in ``wsdl/`` are a fallback,
used (with a warning) only when the centre answers but its WSDL cannot be fetched (an HTTP error) or
read; an unreachable centre is an error, and the next call tries the fetch again. zeep's requests
session is not thread-safe, hence one client per thread (docs/guoxin-contract.md, "SOAP").
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from importlib import resources
from typing import Any

import requests
import zeep
import zeep.cache
import zeep.exceptions
from lxml import etree
from zeep.proxy import ServiceProxy
from zeep.transports import Transport

from batch_dialer.callcenter.masking import redact

__all__ = ["SERVICES", "SoapEndpoint", "forget_wsdl_documents", "soap_endpoint"]

log = logging.getLogger(__name__)

SERVICES = ("TextToCallService", "CallRecordHome", "Click2CallControl")

_documents: dict[str, bytes] = {}  # WSDL/XSD URL -> content, shared by every thread
_fallbacks: set[str] = set()  # WSDL URLs that could not be fetched: the packaged WSDL stands in
_lock = threading.Lock()
_build_lock = threading.Lock()  # one thread fetches a URL's WSDL; the others then read the cache
_local = threading.local()
_UNUSABLE_WSDL = (requests.RequestException, zeep.exceptions.Error, etree.XMLSyntaxError, ValueError)


class _ProcessWideDocuments(zeep.cache.Base):
    """zeep's document cache, shared by every thread's transport: a WSDL/XSD URL is fetched once."""

    def add(self, url: str, content: bytes) -> None:
        with _lock:
            _documents.setdefault(url, bytes(content))

    def get(self, url: str) -> bytes | None:
        with _lock:
            return _documents.get(url)


@dataclass(frozen=True)
class SoapEndpoint:
    """One thread's zeep service for one centre service, and where its WSDL came from."""

    name: str
    service: ServiceProxy
    binding: Any
    wsdl_source: str  # the centre's ``…?wsdl`` URL, or "packaged"

    def part_names(self, operation: str) -> list[str]:
        """The request's parts in order, as the WSDL's binding names them (``in0…`` or ``arg0…``)."""
        body = self.binding.get(operation).input.body
        return [name for name, _ in body.type.elements]

    def call(self, operation: str, *args: Any) -> Any:
        """Invoke ``operation`` with ``args`` bound to the WSDL's own part names."""
        names = self.part_names(operation)
        if len(names) != len(args):
            raise ValueError(
                f"{self.name}.{operation} takes {len(names)} parts in this WSDL, not {len(args)}"
            )
        return getattr(self.service, operation)(**dict(zip(names, args, strict=True)))


def soap_endpoint(name: str, base_url: str, timeout: float, operation_timeout: float) -> SoapEndpoint:
    """This thread's endpoint for ``name`` at ``base_url`` (built on first use in the thread)."""
    if name not in SERVICES:
        raise ValueError(f"unknown Guoxin SOAP service {name!r}")
    address = f"{base_url.rstrip('/')}/bridge/services/{name}"
    key = (address, timeout, operation_timeout)
    endpoints: dict[tuple[str, float, float], SoapEndpoint] | None = getattr(_local, "endpoints", None)
    if endpoints is None:
        endpoints = _local.endpoints = {}
    endpoint = endpoints.get(key)
    if endpoint is None:
        endpoint = endpoints[key] = _build(name, address, timeout, operation_timeout)
    return endpoint


def forget_wsdl_documents() -> None:
    """Drop the process-wide WSDL cache and fallbacks (this thread's clients too); for tests."""
    with _lock:
        _documents.clear()
        _fallbacks.clear()
    _local.endpoints = {}


def _build(name: str, address: str, timeout: float, operation_timeout: float) -> SoapEndpoint:
    transport = Transport(timeout=timeout, operation_timeout=operation_timeout, cache=_ProcessWideDocuments())
    settings = zeep.Settings(strict=True, xml_huge_tree=False)
    wsdl_url = f"{address}?wsdl"
    client: zeep.Client | None = None
    source = wsdl_url
    with _build_lock:
        with _lock:
            known_fallback = wsdl_url in _fallbacks
        if not known_fallback:
            try:
                client = zeep.Client(wsdl_url, transport=transport, settings=settings)
            except (requests.ConnectionError, requests.Timeout):
                raise  # the centre is down, not WSDL-less: no fallback, the next call fetches again
            except _UNUSABLE_WSDL as exc:
                detail = redact(str(exc)).replace("\n", " ")[:200] or type(exc).__name__
                log.warning(
                    "call centre did not publish a usable WSDL at %s (%s); using the packaged %s.wsdl",
                    redact(wsdl_url),
                    detail,
                    name,
                )
                with _lock:
                    _fallbacks.add(wsdl_url)
    if client is None:
        source = "packaged"
        packaged = resources.files("batch_dialer.callcenter") / "wsdl" / f"{name}.wsdl"
        with resources.as_file(packaged) as path:
            client = zeep.Client(str(path), transport=transport, settings=settings)
    binding = _soap_binding(client, name)
    service = client.create_service(binding.name, address)
    return SoapEndpoint(name, service, binding, source)


def _soap_binding(client: zeep.Client, name: str) -> Any:
    """The binding of the WSDL's service port (the one named ``name`` if there are several)."""
    ports = [
        (service_name, port)
        for service_name, service in client.wsdl.services.items()
        for port in service.ports.values()
    ]
    ports.sort(key=lambda item: item[0] != name)
    for _, port in ports:
        if hasattr(port.binding, "get"):
            return port.binding
    raise zeep.exceptions.WsdlSyntaxError(f"the {name} WSDL has no SOAP binding")
