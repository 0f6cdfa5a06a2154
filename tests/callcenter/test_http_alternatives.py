"""Valid server behaviours the simulator does not show (the document allows them), via httpx.MockTransport,
plus the failure paths that need no server at all (closed port, bad URL scheme)."""

from __future__ import annotations

import hashlib
import socket
from collections.abc import Callable
from datetime import UTC, datetime
from urllib.parse import unquote

import httpx
import pytest

from batch_dialer.callcenter import (
    BadPassword,
    CallState,
    CenterBusy,
    CenterServerError,
    CenterUnavailable,
    CenterUnreachable,
    DuplicateSubmission,
    GuoxinHttp,
    OperationRefused,
    UnexpectedResponse,
    connect,
)
from batch_dialer.callcenter.guoxin_options import GuoxinOptions

PASSWORD = "s3cret-Pa55"
CALLEE = "13800138000"
# 2024-03-15 17:30 UTC is already 2024-03-16 in Shanghai: the signature must use the centre's date.
FIXED_NOW = datetime(2024, 3, 15, 17, 30, tzinfo=UTC)

Handler = Callable[[httpx.Request], httpx.Response]


def centre(
    handler: Handler, password: str | None = PASSWORD, options: GuoxinOptions | None = None
) -> GuoxinHttp:
    return GuoxinHttp(
        "http://centre.test:12121",
        password=password,
        transport=httpx.MockTransport(handler),
        clock=lambda: FIXED_NOW,
        options=options or GuoxinOptions(),
    )


def answer(status: int, body: str, **headers: str) -> Handler:
    return lambda request: httpx.Response(status, text=body, headers=headers)


def test_status_200_with_a_code_body_means_that_code() -> None:
    with centre(answer(200, "486\n")) as cc, pytest.raises(CenterBusy) as info:
        cc.submit_tts_call("t1", CALLEE, 20, {})
    assert info.value.code == 486 and info.value.retryable and info.value.retry_after == 2.0
    with centre(answer(200, "483")) as cc, pytest.raises(DuplicateSubmission):
        cc.submit_captcha_call("c1", CALLEE, 19, "1234")
    with centre(answer(200, "401")) as cc, pytest.raises(BadPassword):
        cc.monitor()
    with centre(answer(200, "200")) as cc:
        cc.submit_tts_call("t1", CALLEE, 20, {})  # success spelled as a body


def test_retry_after_header_is_the_hint() -> None:
    with centre(answer(503, "503", **{"Retry-After": "7"})) as cc, pytest.raises(CenterUnavailable) as info:
        cc.submit_tts_call("t1", CALLEE, 20, {})
    assert info.value.retry_after == 7.0


@pytest.mark.parametrize(
    ("status", "body", "state", "keys"),
    [
        (200, "state=404", CallState.NOT_FOUND, {}),
        (200, "404", CallState.NOT_FOUND, {}),
        (404, "", CallState.NOT_FOUND, {}),
        (200, "1", CallState.ANSWERED, {}),
        (200, "state=1;satisfact=8;", CallState.ANSWERED, {"satisfact": "8"}),
        (200, "5", CallState.BUSY, {}),
    ],
)
def test_result_spellings(status: int, body: str, state: CallState, keys: dict[str, str]) -> None:
    with centre(answer(status, body)) as cc:
        for result in (cc.tts_call_result("tok"), cc.captcha_result("tok")):
            assert (result.token, result.state, result.keys) == ("tok", state, keys)


def test_unreadable_and_undocumented_answers() -> None:
    with centre(answer(200, "<html>oops</html>")) as cc, pytest.raises(UnexpectedResponse):
        cc.tts_call_result("tok")
    with centre(answer(418, "teapot")) as cc, pytest.raises(UnexpectedResponse) as info:
        cc.monitor()
    assert not info.value.retryable
    for status in (500, 502):
        with centre(answer(status, "error")) as cc, pytest.raises(CenterServerError) as server:
            cc.monitor()
        assert server.value.retryable and server.value.code == status
    with centre(answer(200, "{not json")) as cc, pytest.raises(UnexpectedResponse):
        cc.tone_files()


def test_tts_call_request_carries_signature_and_variables() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, text="200")

    # §18's parameters are token, callee, toneid, ttsXXX and opt: no pwd, even with a password set
    with centre(handler) as cc:
        cc.submit_tts_call("tok-1", CALLEE, 20, {"ttsabc": "你好世界!", "ttsname": "王先生"})
    params = seen[0].url.params
    assert seen[0].url.path == "/bridge/callctrl"
    assert dict(params) == {
        "token": "tok-1",
        "callee": CALLEE,
        "toneid": "20",
        "ttsabc": "你好世界!",
        "ttsname": "王先生",
        "opt": "IVR_TTS_CALL",
    }
    with centre(handler) as cc, pytest.raises(ValueError):
        cc.submit_tts_call("tok-2", CALLEE, 20, {"opt": "CLICK_TO_HUNGUP"})
    assert len(seen) == 1
    # a centre known to want it (DIALER_GUOXIN_TTS_PWD=1) gets the §3 signature with an empty code
    with centre(handler, options=GuoxinOptions(tts_pwd=True)) as cc:
        cc.submit_tts_call("tok-3", CALLEE, 20, {"ttsabc": "你好"})
    expected = hashlib.md5(f"{PASSWORD}{CALLEE}2024-03-16".encode()).hexdigest()
    assert seen[1].url.params["pwd"] == expected


def test_tts_pwd_setting_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIALER_GUOXIN_TTS_PWD", "1")
    assert GuoxinHttp("http://centre.test:12121").options.tts_pwd is True
    monkeypatch.setenv("DIALER_GUOXIN_MAX_GET_URL", "12")
    with pytest.raises(ValueError, match=r"^DIALER_GUOXIN_MAX_GET_URL: "):
        GuoxinHttp("http://centre.test:12121")


def test_captcha_request_without_password_and_with_fixed_line() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, text="")

    with centre(handler, password=None) as cc:
        cc.submit_captcha_call(
            "id-9", CALLEE, 19, "112233", line="fixed", playtimes=2, precallcount=1, extnum="801"
        )
        with pytest.raises(ValueError):
            cc.submit_captcha_call("id-10", CALLEE, 19, "12ab")
    assert dict(seen[0].url.params) == {
        "id": "id-9",
        "precallcount": "1",
        "playtimes": "2",
        "extnum": "801",
        "callee": CALLEE,
        "toneid": "19",
        "code": "112233",
        "pwd": "no",
        "opt": "CLICK_TO_FIXEDLINE_CAPTCHA",
    }


def test_call_log_by_callid_shapes() -> None:
    row = (
        '{"id":5,"caller":"801","callee":"13800138000","beginTime":1459160867375,'
        '"duration":3,"state":"STATE_RECEIVED"}'
    )
    with centre(answer(200, row)) as cc:
        entry = cc.call_log_by_callid("x@y")
        assert entry is not None and entry.id == 5
    with centre(answer(200, f"[{row}]")) as cc:
        entry = cc.call_log_by_callid("x@y")
        assert entry is not None and entry.duration == 3
    for status, body in ((200, "[]"), (200, ""), (200, "null"), (404, "404")):
        with centre(answer(status, body)) as cc:
            assert cc.call_log_by_callid("x@y") is None


def test_tone_file_save_encodes_texts_and_reads_the_id() -> None:
    seen: list[bytes] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.read())
        return httpx.Response(200, text="404")  # a new id that happens to look like a status code

    with centre(handler) as cc:
        assert cc.save_tone_file("满意度 调查", "说明", b"\xff\x7f" * 8) == 404
    body = seen[0]
    assert b'name="title"\r\n\r\n%E6%BB%A1%E6%84%8F%E5%BA%A6%20%E8%B0%83%E6%9F%A5\r\n' in body
    assert unquote("%E6%BB%A1%E6%84%8F%E5%BA%A6%20%E8%B0%83%E6%9F%A5") == "满意度 调查"
    assert b'name="file"; filename="tone.wav"' in body and b"\xff\x7f" * 8 in body
    with centre(answer(200, "0")) as cc, pytest.raises(OperationRefused):
        cc.save_tone_file("t", "d", b"x")


def test_timeout_is_unreachable_without_the_url() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout(f"timed out reading {request.url}", request=request)

    with centre(handler) as cc, pytest.raises(CenterUnreachable) as info:
        cc.submit_tts_call("t1", CALLEE, 20, {})
    text = str(info.value)
    assert "http://centre.test:12121" in text and "?" not in text and CALLEE not in text
    assert info.value.retryable and info.value.__cause__ is None and info.value.__suppress_context__


def free_closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_connection_refused_is_unreachable_and_safe() -> None:
    port = free_closed_port()
    cc = GuoxinHttp(f"http://127.0.0.1:{port}", password=PASSWORD, timeout=2.0)
    with cc, pytest.raises(CenterUnreachable) as info:
        cc.submit_captcha_call("c1", CALLEE, 19, "112233")
    text = str(info.value)
    assert text.startswith(f"call centre at http://127.0.0.1:{port} is unreachable")
    assert "\n" not in text
    for secret in (PASSWORD, CALLEE, "112233", "pwd", "?"):
        assert secret not in text


def test_connect_picks_by_scheme() -> None:
    with connect("http://127.0.0.1:12121", password=None) as cc:
        assert isinstance(cc, GuoxinHttp)
    with connect("HTTPS://centre.example") as cc:
        assert isinstance(cc, GuoxinHttp)
    with pytest.raises(ValueError, match="'ftp'"):
        connect("ftp://centre.example")
    with pytest.raises(ValueError, match="scheme none"):
        connect("127.0.0.1:12121")


def test_contacts_go_as_get_while_the_url_fits_then_as_post() -> None:
    """§19/§20 show ``GET …Srvlt?data={…}``; a list too long for a URL goes as a form POST instead."""
    from batch_dialer.callcenter import ContactRecord, OpportunityRecord

    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, text="200")

    small = [ContactRecord("Mr.Lee", ["13227841198", "4006198112"])]
    large = [ContactRecord(f"客户{i}", [f"139{i:08d}"]) for i in range(40)]
    with centre(handler, options=GuoxinOptions(max_get_url=1000)) as cc:
        cc.push_contacts(small)
        cc.push_contacts(large)
        cc.push_opportunities([OpportunityRecord("Mr.Wang", "13227841198", "CallCenterSystem")])
    get, post, preorder = seen
    assert get.method == "GET" and get.url.path == "/bridge/ContactsSrvlt" and len(str(get.url)) <= 1000
    assert get.url.params["data"].startswith('{"contacts":[{"cname":"Mr.Lee"')
    assert post.method == "POST" and post.url.query == b""
    body = unquote(post.content.decode("ascii").removeprefix("data=").replace("+", " "))
    assert body.startswith('{"contacts":[') and body.count("cname") == 40
    assert preorder.method == "GET" and preorder.url.path == "/bridge/PreorderSrvlt"
