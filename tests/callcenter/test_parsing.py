"""Parsers of the centre's bodies, signing, masking and payload sizing — pure functions, no server."""

from __future__ import annotations

from datetime import UTC, date, datetime
from urllib.parse import parse_qs, urlencode
from zoneinfo import ZoneInfo

import pytest

from batch_dialer.callcenter import (
    AgentState,
    CallLogEntry,
    CallState,
    ContactRecord,
    OpportunityRecord,
    ToneFile,
    captcha_pwd,
    centre_today,
    contacts_body_size,
    mask_phone,
    opportunities_body_size,
    parse_monitor_body,
    parse_result_body,
    redact,
)
from batch_dialer.callcenter.payloads import contacts_json, opportunities_json


@pytest.mark.parametrize(
    ("body", "state", "keys"),
    [
        ("state=1;satisfact=8", CallState.ANSWERED, {"satisfact": "8"}),
        ("state=1", CallState.ANSWERED, {}),
        ("1", CallState.ANSWERED, {}),
        ("4", CallState.CALLING, {}),
        ("state=0;", CallState.QUEUED, {}),
        (" state = 5 ; ", CallState.BUSY, {}),
        ("state=6\n", CallState.POWER_OFF, {}),
        ("state=3", CallState.EMPTY_NUMBER, {}),
        ("state=2", CallState.FAILED, {}),
        ("state=404", CallState.NOT_FOUND, {}),
        ("404", CallState.NOT_FOUND, {}),
        ("satisfact=8;state=1;menu=2;", CallState.ANSWERED, {"satisfact": "8", "menu": "2"}),
        ("STATE=1;Satisfact=9", CallState.ANSWERED, {"Satisfact": "9"}),
        ("state=1;note=", CallState.ANSWERED, {"note": ""}),
    ],
)
def test_parse_result_body(body: str, state: CallState, keys: dict[str, str]) -> None:
    assert parse_result_body(body) == (state, keys)


@pytest.mark.parametrize("body", ["", ";", "satisfact=8", "state=9", "state=x", "busy", "1;2"])
def test_parse_result_body_rejects(body: str) -> None:
    with pytest.raises(ValueError):
        parse_result_body(body)


def test_final_states() -> None:
    final = {s for s in CallState if s.is_final}
    assert final == {
        CallState.ANSWERED,
        CallState.FAILED,
        CallState.EMPTY_NUMBER,
        CallState.BUSY,
        CallState.POWER_OFF,
    }


@pytest.mark.parametrize(
    ("body", "queue", "playcount"),
    [
        ("queue=0;playcount=0", 0, 0),
        ("queue=2;playcount=17;", 2, 17),
        (" playcount = 3 ; queue = 1 \n", 1, 3),
    ],
)
def test_parse_monitor_body(body: str, queue: int, playcount: int) -> None:
    reading = parse_monitor_body(body)
    assert (reading.queue, reading.playcount) == (queue, playcount)


@pytest.mark.parametrize("body", ["", "queue=1", "queue=a;playcount=1", "486"])
def test_parse_monitor_body_rejects(body: str) -> None:
    with pytest.raises(ValueError):
        parse_monitor_body(body)


def test_captcha_pwd_known_answer() -> None:
    # md5("secret" + "13800138000" + "112233" + "2024-03-16"), computed independently with md5sum.
    assert (
        captcha_pwd("secret", "13800138000", "112233", date(2024, 3, 16))
        == "79757c8e46a2f99889f527740f4dc0c5"
    )
    assert captcha_pwd(None, "13800138000", "112233", date(2024, 3, 16)) == "no"
    assert captcha_pwd("", "13800138000", "", date(2024, 3, 16)) == "no"


def test_centre_today_uses_the_centre_zone() -> None:
    shanghai = ZoneInfo("Asia/Shanghai")
    late_utc = datetime(2024, 3, 15, 17, 30, tzinfo=UTC)  # 01:30 on the 16th in Shanghai
    assert centre_today(shanghai, late_utc) == date(2024, 3, 16)
    assert centre_today(ZoneInfo("UTC"), late_utc) == date(2024, 3, 15)
    with pytest.raises(ValueError):
        centre_today(shanghai, datetime(2024, 3, 15, 17, 30))


def test_masking() -> None:
    assert mask_phone("13800138000") == "138****8000"
    text = redact(
        "GET http://10.0.0.1:12121/bridge/callctrl?callee=13800138000&pwd=abc failed for 13912345678"
    )
    assert text == "GET http://10.0.0.1:12121 failed for 139****5678"


def test_call_log_entry_from_document_example() -> None:
    row = {
        "id": 37,
        "caller": "60610123",
        "callee": "816",
        "beginTime": 1459160867375,
        "duration": 41,
        "state": "STATE_RECEIVED",
        "callType": "LOCAL_CALL",
        "estimate": "",
        "channel": "192.168.3.80",
        "callid": "173a248c-8f85-4edb-b0c2-c11e1894a0d5%40192.168.1.82",
        "clickcallid": "",
        "_judge": 0,
    }
    entry = CallLogEntry.from_json(row)
    assert entry.id == 37
    assert entry.begin_time == datetime(2016, 3, 28, 10, 27, 47, 375000, tzinfo=UTC)
    assert entry.duration == 41
    assert entry.estimate is None
    assert entry.callid.startswith("173a248c")
    assert entry.raw["_judge"] == 0
    # §21: "estimate Integer 客户评价，1:非常满意，2:满意，3 不满意" — a rating, not an IVR key
    assert [CallLogEntry.from_json({**row, "estimate": v}).estimate for v in (1, "2", 3)] == [1, 2, 3]
    assert CallLogEntry.from_json({**row, "estimate": 8}).estimate is None


def test_agent_state_and_tone_file_from_document_examples() -> None:
    agent = AgentState.from_json(
        {
            "telNum": "802",
            "userName": "张霞",
            "telRegState": 1,
            "phoneType": "NewRockTech",
            "remoteNum": "1322784XXXX",
            "state": "BUSY_OUTGOING",
            "presence": "online",
            "missingCallCount": 0,
        }
    )
    assert (agent.tel_num, agent.registered, agent.remote_num, agent.state) == (
        "802",
        True,
        "1322784XXXX",
        "BUSY_OUTGOING",
    )
    tone = ToneFile.from_json({"id": 2, "titel": "非工作时间提醒", "path": "offwork.wav", "des": "提醒"})
    assert tone == ToneFile(2, "非工作时间提醒", "offwork.wav", "提醒")


def test_contact_payload_and_size() -> None:
    contacts = [
        ContactRecord("李先生", ["13227841198", "075588886666"], extra={14: "1234567"}),
        ContactRecord("Miss.Zhang", ["+8613800138000"], localuser=46, gid=2),
    ]
    text = contacts_json(contacts)
    assert text.isascii()  # \\uXXXX escapes: no charset question on the centre's side
    assert '"details":[{"tid":1,"cvalue":"13227841198"},{"tid":2,"cvalue":"075588886666"},{"tid":14' in text
    assert '"localuser":46,"gid":2' in text
    size = contacts_body_size(contacts)
    body = urlencode({"data": text})
    assert size == len(body)
    assert parse_qs(body)["data"][0] == text
    assert size > len(text)  # percent-encoding makes it larger than the JSON
    assert contacts_body_size(contacts * 10) > 9 * size


def test_opportunity_payload() -> None:
    text = opportunities_json(
        [OpportunityRecord("王先生", "13227841198", "CallCenterSystem", "备注", "1234567")]
    )
    assert text.startswith('{"preorder":[{"cname":"\\u738b')
    assert '"telnum":"13227841198","product":"CallCenterSystem"' in text
    assert opportunities_body_size([]) == len("data=") + len("%7B%22preorder%22%3A%5B%5D%7D")
