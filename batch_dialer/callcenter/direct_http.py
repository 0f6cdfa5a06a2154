"""Requests to a centre straight through an httpx transport, without ``httpx.Client``'s per-request work.

``Client.request`` merges the base URL, cookies, auth, redirects and event hooks on every call and
parses each response's cookies into a cookie jar. A centre's API uses none of it (its password travels
in the query, it sets no session we need, it does not redirect), and at a few hundred requests a second
that machinery cost about as much CPU as the transport itself (issue 13's profile: 0.65 ms per request
in ``Client.request``, 0.32 ms of it in the transport). The transport is the same seam ``Client`` uses
(``BaseTransport.handle_request``), so tests still pass a ``MockTransport`` or a simulator's transport.

What ``Client`` did that this does not: follow ``HTTP_PROXY``/``HTTPS_PROXY`` from the environment (a
centre's API is on its LAN or VPN, and the query carries the password: it should not pass through a
forward proxy unasked), and keep cookies between requests.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

__all__ = ["DirectHttp"]


class DirectHttp:
    """One keep-alive connection pool to one centre; safe to share between threads (the pool is)."""

    def __init__(
        self,
        base_url: httpx.URL,
        *,
        timeout: httpx.Timeout,
        limits: httpx.Limits,
        transport: httpx.BaseTransport | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self._base = base_url.copy_with(query=None, fragment=None)
        # as Client merges a relative path onto base_url: below the base's own path, never replacing it
        self._prefix = self._base.raw_path.rstrip(b"/") + b"/"
        self._urls: dict[str, httpx.URL] = {}
        self._transport = transport if transport is not None else httpx.HTTPTransport(limits=limits)
        self._headers = httpx.Headers({"Accept": "*/*", **(headers or {})})
        self._extensions = {"timeout": timeout.as_dict()}

    def url_for(self, path: str) -> httpx.URL:
        url = self._urls.get(path)
        if url is None:
            url = self._urls[path] = self._base.copy_with(raw_path=self._prefix + path.lstrip("/").encode())
        return url

    def build_request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        data: Any = None,
        files: Any = None,
    ) -> httpx.Request:
        return httpx.Request(
            method,
            self.url_for(path),
            params=params,
            data=data,
            files=files,
            headers=self._headers,
            extensions=self._extensions,
        )

    def send(self, request: httpx.Request) -> httpx.Response:
        """The whole response, read; raises httpx's own exceptions as ``Client.send`` does."""
        response = self._transport.handle_request(request)
        response.request = request
        try:
            response.read()
        finally:
            response.close()
        return response

    def close(self) -> None:
        self._transport.close()
