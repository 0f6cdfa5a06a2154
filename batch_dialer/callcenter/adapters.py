"""URL scheme → call-centre product: how to open its adapter and what it can do.

One line per product in ``ADAPTERS``; ``http://`` and ``https://`` stay Guoxin. The capabilities are read
off the adapter classes (``capabilities_of``), so a campaign can be refused before anything connects.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import httpx

from batch_dialer.callcenter.capabilities import CentreAdapter, capabilities_of
from batch_dialer.callcenter.guoxin_http import GuoxinHttp
from batch_dialer.callcenter.guoxin_soap import GuoxinSoap

__all__ = ["ADAPTERS", "AdapterOptions", "CentreProduct", "product_for_url"]


@dataclass(frozen=True)
class AdapterOptions:
    """Everything an adapter may be opened with; each product takes what it understands."""

    url: str
    password: str | None = None
    tz: str | ZoneInfo = "Asia/Shanghai"
    timeout: httpx.Timeout | float = 10.0
    transport: httpx.BaseTransport | None = None
    clock: Callable[[], datetime] | None = None


@dataclass(frozen=True)
class CentreProduct:
    """A call-centre product: its name, how to open it, and the classes whose capabilities it offers."""

    name: str
    open: Callable[[AdapterOptions], CentreAdapter]
    classes: tuple[type, ...]

    @property
    def capabilities(self) -> frozenset[type]:
        return capabilities_of(*self.classes)


def _guoxin(options: AdapterOptions) -> CentreAdapter:
    return GuoxinHttp(
        options.url,
        password=options.password,
        tz=options.tz,
        timeout=options.timeout,
        transport=options.transport,
        clock=options.clock,
    )


_GUOXIN = CentreProduct("Guoxin", _guoxin, (GuoxinHttp, GuoxinSoap))

#: URL scheme (lower case) → product. Add a product with one line here.
ADAPTERS: dict[str, CentreProduct] = {
    "http": _GUOXIN,
    "https": _GUOXIN,
}


def product_for_url(url: str) -> CentreProduct:
    """The product a URL names by its scheme; ValueError (one line, no secrets) for an unknown one."""
    scheme, sep, _ = url.partition("://")
    scheme = scheme.lower() if sep else ""
    product = ADAPTERS.get(scheme)
    if product is None:
        shown = repr(scheme) if scheme else "none"
        known = ", ".join(f"{s}://" for s in ADAPTERS)
        raise ValueError(
            f"unsupported call centre URL scheme {shown}: use one of {known} (e.g. http://host:port)"
        )
    return product
