"""The 800ing adapter against document 004's own examples, over httpx's transport seam.

Each test builds the centre's answer from the document (field names, codes, example values) and
checks what the adapter sent and how it read the answer — never against our simulator.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from urllib.parse import parse_qs

import httpx
import pytest

from batch_dialer.callcenter.errors import (
    BadParameters,
    BadPassword,
    CallCenterError,
    CenterServerError,
    CenterUnavailable,
    CenterUnreachable,
    DuplicateSubmission,
    NotFound,
    UnexpectedResponse,
)
from batch_dialer.callcenter.ing800 import (
    CODE_TABLE,
    AccountBusy,
    AgentAccount,
    Ing800Client,
    LimitExceeded,
    NoPermission,
    StreamStatus,
    md5_password,
)
from batch_dialer.callcenter.ing800.codes import FileSaveFailed

# §1.1: 测试用户 100008800, and the example's sa_password (a 32-hex MD5 in upper case).
DOC_USER = "100008800"
DOC_MD5 = "92868F142BE5DD78DD0ACF4370B4EB94"
ACCOUNT = AgentAccount(DOC_USER, DOC_MD5)

Handler = Callable[[httpx.Request], httpx.Response]


def client_for(handler: Handler) -> tuple[Ing800Client, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return handler(request)

    return Ing800Client("800ing+http://voip.example:8080", transport=httpx.MockTransport(record)), seen


def form(request: httpx.Request) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(request.content.decode("utf-8"), keep_blank_values=True).items()}


def answer(body: object) -> Handler:
    return lambda _r: httpx.Response(200, json=body)


def test_md5_password_is_32_upper_hex_like_the_example() -> None:
    digest = md5_password("02367073578")
    assert len(digest) == 32 and digest == digest.upper() and int(digest, 16) >= 0
    assert len(DOC_MD5) == 32 and DOC_MD5.upper() == DOC_MD5
    assert "92868F" not in repr(ACCOUNT)


def test_common_request_is_urlencoded_utf8_post_to_jsondata_html() -> None:
    client, seen = client_for(
        answer(
            {
                "code": 0,
                "message": "",
                "exteId": 282982852097151,
                "name": "张三",
                "extension": "100008800",
                "compNumber": "10000",
                "compName": "测试企业",
                "disablePhoneNum": 1,
                "exteLoginType": 2,
                "sessionId": "voip_abc",
            }
        )
    )
    info = client.get_extension(ACCOUNT)
    request = seen[0]
    assert request.method == "POST" and request.url.path == "/voip/api/jsondata.html"
    assert request.url.query == b""  # the MD5 never sits in a URL
    assert request.headers["content-type"].startswith("application/x-www-form-urlencoded")
    assert form(request) == {"sa_user": DOC_USER, "sa_password": DOC_MD5, "method": "getExtension"}
    assert (info.exte_id, info.name, info.extension, info.comp_name) == (
        "282982852097151",
        "张三",
        "100008800",
        "测试企业",
    )
    assert (info.disable_phone_num, info.login_type, info.session_id) == (1, 2, "voip_abc")


def test_callback_phone_sends_desc_phone_and_paramvalue_utf8() -> None:
    client, seen = client_for(answer({"code": 0, "message": "OK"}))
    client.callback_phone(ACCOUNT, "13688888888", "c1ab-t2-a1 回访")
    sent = form(seen[0])
    assert sent["method"] == "callbackPhone"
    assert sent["descPhone"] == "13688888888" and sent["paramvalue"] == "c1ab-t2-a1 回访"
    assert "%E5%9B%9E" in seen[0].content.decode("ascii")  # UTF-8 urlencoded


@pytest.mark.parametrize(
    ("code", "cls"),
    [
        (-1, CenterUnavailable),
        (-2, BadPassword),
        (-3, CenterServerError),
        (-5, NoPermission),
        (-6, CenterServerError),
        (-10, DuplicateSubmission),
        (-11, NotFound),
        (-12, LimitExceeded),
        (-13, FileSaveFailed),
        (-14, BadParameters),
    ],
)
def test_every_code_of_1_2_is_a_typed_error_without_secrets(code: int, cls: type[CallCenterError]) -> None:
    client, _ = client_for(answer({"code": code, "message": f"错误 13688888888 {DOC_MD5}"}))
    with pytest.raises(cls) as caught:
        client.get_extension(ACCOUNT)
    text = str(caught.value)
    assert str(code) in text and CODE_TABLE[code][1] in text
    assert DOC_MD5 not in text and "13688888888" not in text and "136****8888" in text
    assert caught.value.code == code
    assert isinstance(caught.value, CallCenterError)


def test_all_documented_codes_are_covered() -> None:
    assert sorted(CODE_TABLE) == [-14, -13, -12, -11, -10, -6, -5, -3, -2, -1]


def test_wrong_password_is_bad_password_so_the_campaign_stops() -> None:
    client, _ = client_for(answer({"code": -2, "message": "验证错误"}))
    with pytest.raises(BadPassword) as caught:
        client.callback_phone(ACCOUNT, "13688888888", "tok")
    assert not caught.value.retryable


def test_busy_account_on_callback_phone_is_account_busy_and_retryable() -> None:
    client, _ = client_for(answer({"code": -12, "message": "超过最大值错误"}))
    with pytest.raises(AccountBusy) as caught:
        client.callback_phone(ACCOUNT, "13688888888", "tok")
    assert caught.value.retryable


def test_undocumented_code_and_bad_body_are_unexpected() -> None:
    client, _ = client_for(answer({"code": -99}))
    with pytest.raises(UnexpectedResponse, match="undocumented"):
        client.get_extension(ACCOUNT)
    client, _ = client_for(lambda _r: httpx.Response(200, text="<html>"))
    with pytest.raises(UnexpectedResponse, match="not JSON"):
        client.get_extension(ACCOUNT)


def test_http_error_status_is_typed() -> None:
    client, _ = client_for(lambda _r: httpx.Response(503))
    with pytest.raises(CenterUnavailable):
        client.get_extension(ACCOUNT)


def test_unreachable_centre_names_origin_only(caplog: pytest.LogCaptureFixture) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(f"refused {request.url}", request=request)

    client, _ = client_for(refuse)
    with caplog.at_level(logging.DEBUG), pytest.raises(CenterUnreachable) as caught:
        client.callback_phone(ACCOUNT, "13688888888", "tok")
    assert "http://voip.example:8080" in str(caught.value)
    everything = str(caught.value) + caplog.text
    assert DOC_MD5 not in everything and "13688888888" not in everything


def test_logs_never_show_md5_or_phone(caplog: pytest.LogCaptureFixture) -> None:
    client, _ = client_for(answer({"code": 0}))
    with caplog.at_level(logging.DEBUG):
        client.callback_phone(ACCOUNT, "13688888888", "tok")
        client.hangup(ACCOUNT)
    assert DOC_MD5 not in caplog.text and "13688888888" not in caplog.text


def test_hangup_exten_uses_the_jsonp_json_path() -> None:
    client, seen = client_for(answer({"code": 0, "message": ""}))
    client.hangup(ACCOUNT)
    assert seen[0].url.path == "/voip/api/jsonpdata.json"
    assert form(seen[0])["method"] == "hangupExten"
    assert "callback" not in form(seen[0])  # "不跨域": no JSONP wrapper


def test_get_long_waterline_parses_waterline_keylist_and_msgs() -> None:
    client, seen = client_for(
        answer(
            {
                "waterline": 323454675453,
                "keylist": "1",
                "msgs": [{"status": 1, "phone": "13688888888", "kind": 1}],
            }
        )
    )
    line = client.long_waterline(ACCOUNT)
    sent = form(seen[0])
    assert seen[0].url.path == "/voip/api/jsonpdata.json"
    assert (sent["method"], sent["loginType"], sent["client"]) == ("getLongWaterLine", "jsonpLogin", "1")
    assert line.waterline == 323454675453 and line.keylist == "1"
    assert line.msgs[0].status is StreamStatus.CONNECTED and line.msgs[0].kind == 1


def test_recv_msg_parses_content_status_cdr_id_and_paramvalue() -> None:
    content = json.dumps({"status": 3, "cdrId": 2323, "paramvalue": "c1ab-t2-a1"})
    client, seen = client_for(
        answer(
            {
                "code": 0,
                "message": "",
                "msgs": [
                    {
                        "kind": "1",
                        "phone": "13688888888",
                        "content": content,
                        "time": 1600999210584,
                        "waterLine": 1600999210600,
                    }
                ],
            }
        )
    )
    (msg,) = client.recv_msg(ACCOUNT, 1600999210000, limit=50)
    sent = form(seen[0])
    assert (sent["method"], sent["client"], sent["waterLine"], sent["limit"]) == (
        "recvMsg",
        "1",
        "1600999210000",
        "50",
    )
    assert msg.status is StreamStatus.HUNG_UP and msg.cdr_id == "2323" and msg.paramvalue == "c1ab-t2-a1"
    assert (msg.kind, msg.time_ms, msg.waterline) == (1, 1600999210584, 1600999210600)


def test_register_extension_returns_account_without_showing_password() -> None:
    client, seen = client_for(answer({"code": 0, "extension": "100001801", "password": "s3cret"}))
    new = client.register_extension(ACCOUNT, "02312345678")
    assert form(seen[0])["showphone"] == "02312345678"
    assert (new.extension, new.password) == ("100001801", "s3cret")
    assert "s3cret" not in repr(new)


def test_push_list_request_matches_the_documents_example_and_rows_parse() -> None:
    memo = {"cdrId": 2323, "cdrTalktime": 35, "cdrIVRKey": "1", "paramvalue": "c1ab-t2-a1"}
    row = {"type": 3, "peer": 1, "phone": "13688888888", "memo": json.dumps(memo)}
    row.update({"cdrs_status": "失败", "cdrsId": 77, "cdrsPhone": "13688888888"})
    client, seen = client_for(answer({"code": 0, "total": 1, "rows": [row]}))
    page = client.push_list("voip_abc", datetime(2020, 9, 25, 0, 0, 0), datetime(2020, 9, 25, 23, 59, 59))
    request = seen[0]
    assert request.method == "GET" and request.url.path == "/voip/ai/report/push_list.json"
    q = {k: v[0] for k, v in parse_qs(request.url.query.decode(), keep_blank_values=True).items()}
    # the example: page=1&rows=10&startTime=2020-09-25+00%3A00%3A00&endTime=…&timeType=cdrStartTime&…
    assert q["startTime"] == "2020-09-25 00:00:00" and q["endTime"] == "2020-09-25 23:59:59"
    assert b"startTime=2020-09-25+00%3A00%3A00" in request.url.query
    assert (q["timeType"], q["order"], q["sort"], q["sessionId"]) == (
        "cdrStartTime",
        "cdrStartTime",
        "desc",
        "voip_abc",
    )
    assert {"page", "rows", "extes", "status", "phone"} <= set(q)
    (parsed,) = page.rows
    assert parsed.push_id == "77" and not parsed.delivered
    assert parsed.push.cdr_id == "2323" and parsed.push.paramvalue == "c1ab-t2-a1"
    assert page.total == 1


def test_push_send_request_matches_the_example() -> None:
    client, seen = client_for(answer({"code": 0, "message": ""}))
    client.push_send("voip_xxxxxxxxxx", "77")
    assert seen[0].url.path == "/voip/ai/report/push_send.json"
    assert parse_qs(seen[0].url.query.decode()) == {"sessionId": ["voip_xxxxxxxxxx"], "id": ["77"]}


def test_recording_downloads_stream_to_file_and_leave_nothing_half_written(tmp_path: Path) -> None:
    def serve(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/voip/record/2020/09/25/2323.wav":
            return httpx.Response(200, content=b"RIFF" + b"\0" * 1000)
        if request.url.path == "/voip/api/client/download/record.json":
            assert parse_qs(request.url.query.decode()) == {"id": ["282982852097151"], "ismp3": ["1"]}
            return httpx.Response(200, content=b"ID3mp3")
        return httpx.Response(404)

    client, _ = client_for(serve)
    assert client.download_recording("2020/09/25/2323.wav", tmp_path / "a.wav") == 1004
    assert client.download_recording_mp3("282982852097151", tmp_path / "a.mp3") == 6
    assert (tmp_path / "a.mp3").read_bytes() == b"ID3mp3"
    with pytest.raises(NotFound):
        client.download_recording("missing.wav", tmp_path / "b.wav")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.mp3", "a.wav"]


def test_plain_http_and_800ing_scheme_are_accepted_other_schemes_not() -> None:
    assert Ing800Client("http://h:1").origin == "http://h:1"
    assert Ing800Client("800ing+https://h").origin == "https://h"
    with pytest.raises(ValueError, match="800ing"):
        Ing800Client("ftp://h")
