"""DirectHttp sends what httpx.Client sent for our requests: same URL, query, headers and timeouts."""

from __future__ import annotations

import httpx
import pytest

from batch_dialer.callcenter.direct_http import DirectHttp
from batch_dialer.callcenter.errors import CenterUnreachable
from batch_dialer.callcenter.guoxin_http import GuoxinHttp

TIMEOUT = httpx.Timeout(10.0, connect=3.0)


def _recording() -> tuple[list[httpx.Request], httpx.MockTransport]:
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, text="200")

    return seen, httpx.MockTransport(handle)


@pytest.mark.parametrize(
    ("base", "expected"),
    [
        ("http://centre:8080", "http://centre:8080/bridge/callctrl?token=t+1&opt=X"),
        ("http://centre:8080/gx", "http://centre:8080/gx/bridge/callctrl?token=t+1&opt=X"),
        ("http://centre:8080/gx/", "http://centre:8080/gx/bridge/callctrl?token=t+1&opt=X"),
    ],
)
def test_the_url_is_the_one_httpx_client_builds(base: str, expected: str) -> None:
    seen, transport = _recording()
    direct = DirectHttp(httpx.URL(base), timeout=TIMEOUT, limits=httpx.Limits(), transport=transport)
    direct.send(direct.build_request("GET", "/bridge/callctrl", params={"token": "t 1", "opt": "X"}))
    client = httpx.Client(base_url=base, transport=httpx.MockTransport(lambda r: httpx.Response(200)))
    assert (
        str(seen[0].url)
        == expected
        == str(client.build_request("GET", "/bridge/callctrl", params={"token": "t 1", "opt": "X"}).url)
    )


def test_headers_timeouts_and_a_read_body_reach_the_caller() -> None:
    seen, transport = _recording()
    direct = DirectHttp(
        httpx.URL("http://centre"),
        timeout=TIMEOUT,
        limits=httpx.Limits(),
        transport=transport,
        headers={"User-Agent": "batch-dialer"},
    )
    response = direct.send(direct.build_request("POST", "bridge/x", data={"data": "[1]"}))
    sent = seen[0]
    assert sent.headers["User-Agent"] == "batch-dialer" and sent.headers["Host"] == "centre"
    assert sent.extensions["timeout"] == {"connect": 3.0, "read": 10.0, "write": 10.0, "pool": 10.0}
    assert sent.content == b"data=%5B1%5D"
    assert response.is_closed and response.text == "200" and response.request is sent


def test_transport_errors_stay_typed_and_carry_no_query() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(f"refused {request.url}", request=request)

    centre = GuoxinHttp("http://centre:8080", password="s3cret", transport=httpx.MockTransport(refuse))
    with pytest.raises(CenterUnreachable) as caught:
        centre.tts_call_result("tok")
    assert "s3cret" not in str(caught.value) and "tok" not in str(caught.value)
