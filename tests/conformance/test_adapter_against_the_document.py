"""The HTTP/SOAP adapters fed the document's own examples (parsing) and checked against its example
requests, through httpx.MockTransport — never against our simulator."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from importlib import resources
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
from lxml import etree

from batch_dialer.callcenter import (
    CallState,
    ContactRecord,
    GuoxinHttp,
    OpportunityRecord,
    parse_monitor_body,
    parse_result_body,
)
from batch_dialer.callcenter.guoxin_options import GuoxinOptions
from tests.conformance.document_examples import (
    CALL_LOG_EXAMPLE,
    CALL_LOG_QUERY_URL,
    CALL_LOG_WITH_CALLID_URL,
    CAPTCHA_RESULT_STATES,
    CAPTCHA_URL,
    CONTACTS_DATA,
    EXTNUM_STATE_EXAMPLE,
    EXTNUM_STATE_URL,
    IVR_RESULT_EXAMPLE,
    IVR_TTS_CALL_URL,
    MONITOR_EXAMPLE,
    MONITOR_URL,
    PREORDER_DATA,
    TEXTTOCAL_FIELDS,
    TONE_FILES_EXAMPLE,
)

Handler = Callable[[httpx.Request], httpx.Response]


def query_of(url: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(url).query, keep_blank_values=True)


class Recorder:
    """A centre that answers ``body`` (status ``status``) and keeps every request."""

    def __init__(self, body: str = "200", status: int = 200) -> None:
        self.body, self.status = body, status
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(self.status, text=self.body)

    def adapter(self, password: str | None = None) -> GuoxinHttp:
        return GuoxinHttp(
            "http://centre.test:12121",
            password=password,
            transport=httpx.MockTransport(self),
            clock=lambda: datetime(2015, 3, 16, 4, 0, tzinfo=UTC),
            options=GuoxinOptions(),
        )


def test_captcha_request_is_the_documents() -> None:
    centre = Recorder()
    with centre.adapter("secret") as cc:
        cc.submit_captcha_call("1", "13227841198", 19, "112233", precallcount=1, playtimes=1, extnum="801")
    sent = list(centre.requests[0].url.params.multi_items())
    expected = query_of(CAPTCHA_URL)
    assert [name for name, _ in sent] == [name for name, _ in expected]  # same fields, same order
    assert [p for p in sent if p[0] != "pwd"] == [p for p in expected if p[0] != "pwd"]
    assert len(dict(sent)["pwd"]) == 32  # "用 pwd+callee+code+当前日期 … 然后进行 MD5"


@pytest.mark.parametrize(("code", "name"), sorted(CAPTCHA_RESULT_STATES.items()))
def test_captcha_result_states_as_listed(code: int, name: str) -> None:
    with Recorder(body=str(code)).adapter() as cc:
        assert cc.captcha_result("1").state is CallState[name]


def test_ivr_tts_call_request_is_the_documents() -> None:
    centre = Recorder()
    with centre.adapter("secret") as cc:  # a password set: §18 still has no pwd field
        cc.submit_tts_call("0123456789", "015919823610", 20, {"ttsabc": "你好世界!"})
    assert list(centre.requests[0].url.params.multi_items()) == query_of(IVR_TTS_CALL_URL)
    assert centre.requests[0].url.path == urlsplit(IVR_TTS_CALL_URL).path


def test_ivr_result_and_monitor_examples_parse() -> None:
    assert parse_result_body(IVR_RESULT_EXAMPLE) == (CallState.ANSWERED, {"satisfact": "8"})
    reading = parse_monitor_body(MONITOR_EXAMPLE)
    assert (reading.queue, reading.playcount) == (0, 0)
    centre = Recorder(body=MONITOR_EXAMPLE)
    with centre.adapter() as cc:
        assert cc.monitor() == reading
    assert list(centre.requests[0].url.params.multi_items()) == query_of(MONITOR_URL)


def test_contacts_and_preorders_go_as_the_documents_get_data() -> None:
    centre = Recorder()
    lee = json.loads(CONTACTS_DATA)["contacts"][0]
    deals = json.loads(PREORDER_DATA)["preorder"]
    with centre.adapter() as cc:
        cc.push_contacts([ContactRecord("Mr.Lee", ["13227841198", "4006198112"], localuser=46)])
        cc.push_opportunities([OpportunityRecord(d["cname"], d["telnum"], d["product"], d["comment"], d["qq"])
                               for d in deals])  # fmt: skip
    contacts, preorders = centre.requests
    assert (contacts.method, contacts.url.path) == ("GET", "/bridge/ContactsSrvlt")
    assert json.loads(contacts.url.params["data"]) == {"contacts": [lee]}
    assert (preorders.method, preorders.url.path) == ("GET", "/bridge/PreorderSrvlt")
    assert json.loads(preorders.url.params["data"]) == json.loads(PREORDER_DATA)


def test_call_log_query_request_and_example_answer() -> None:
    centre = Recorder(body=CALL_LOG_EXAMPLE)
    with centre.adapter() as cc:
        rows = cc.call_log_query(date(2016, 3, 1), date(2016, 3, 29), telnum="801", direction=0)
    assert list(centre.requests[0].url.params.multi_items()) == query_of(CALL_LOG_QUERY_URL)
    first, second = rows
    assert (first.id, first.caller, first.callee, first.duration) == (37, "60610123", "816", 41)
    assert first.begin_time == datetime.fromtimestamp(1459160867.375, UTC)  # "Mar 28, 2016 6:27:47 PM" +8
    assert (first.state, second.state) == ("STATE_RECEIVED", "STATE_FAILED")
    assert first.estimate is None and first.clickcallid == ""  # "" = not rated / not a click-to-call
    assert first.callid == "173a248c-8f85-4edb-b0c2-c11e1894a0d5%40192.168.1.82"
    assert first.raw["_judge"] == 0 and second.id == 36


def test_call_log_by_callid_request_is_the_documents() -> None:
    centre = Recorder(body="", status=404)
    with centre.adapter() as cc:
        assert cc.call_log_by_callid("df0897e8-b468-4b57-a5d8-9b48c92aa9c5@192.168.1.86") is None
    assert centre.requests[0].url.query.decode() == urlsplit(CALL_LOG_WITH_CALLID_URL).query


def test_tone_files_example_parses() -> None:
    with Recorder(body=TONE_FILES_EXAMPLE).adapter() as cc:
        tones = cc.tone_files()
    assert [t.id for t in tones] == [1, 2, 3, 12, 13]
    assert (tones[3].title, tones[3].path, tones[3].description) == ("静音", "mute.wav", "静音 0.3 秒")


def test_packaged_texttocal_has_table_6_1s_fields() -> None:
    wsdl = resources.files("batch_dialer.callcenter").joinpath("wsdl", "TextToCallService.wsdl").read_bytes()
    root = etree.fromstring(wsdl)
    xsd = "{http://www.w3.org/2001/XMLSchema}"
    [texttocal] = [t for t in root.iter(f"{xsd}complexType") if t.get("name") == "Texttocal"]
    fields = {e.get("name"): e.get("type") for e in texttocal.iter(f"{xsd}element")}
    assert list(fields) == TEXTTOCAL_FIELDS
    assert fields["linkkey"] == fields["id"] == fields["calltime"] == "xsd:int"  # "linkkey Integer"


def test_agent_states_example_parses() -> None:
    centre = Recorder(body=EXTNUM_STATE_EXAMPLE)
    with centre.adapter() as cc:
        free, talking = cc.agent_states()
    request = centre.requests[0].url
    assert (request.path, list(request.params.multi_items())) == (
        "/bridge/jsoncfg",
        query_of(EXTNUM_STATE_URL),
    )
    assert (free.tel_num, free.user_name, free.registered, free.state, free.remote_num) == (
        "801",
        "李阳",
        True,
        "ONLINE",
        None,  # "remoteNum 可选，没有通话时该字段不存在"
    )
    assert (talking.state, talking.presence, talking.remote_num) == ("BUSY_OUTGOING", "online", "1322784XXXX")
