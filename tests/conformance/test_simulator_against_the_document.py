"""The simulator served the document's own example requests over real HTTP, its answers checked
against the document's listed codes and example shapes — never against our adapter."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from tests.conformance.document_examples import (
    CALL_LOG_EXAMPLE,
    CALL_LOG_QUERY_URL,
    CALL_LOG_WITH_CALLID_URL,
    CAPTCHA_RESULT_STATES,
    CAPTCHA_URL,
    CONTACTS_DATA,
    CONTACTS_DATA_AS_PRINTED,
    EXTNUM_STATE_EXAMPLE,
    EXTNUM_STATE_URL,
    IVR_TTS_CALL_URL,
    MONITOR_EXAMPLE,
    MONITOR_URL,
    PREORDER_DATA,
    TONE_FILES_EXAMPLE,
)
from tests.simulator_fixtures import running_simulator

_RESULT = re.compile(r"^state=(\d+)(;satisfact=\d+)?$")


@pytest.fixture
def centre() -> Iterator[httpx.Client]:
    """A fresh simulator without a password (the examples' pwd cannot be reproduced)."""
    with running_simulator(speed=1000, seed=1) as sim, httpx.Client(base_url=sim.base_url, timeout=5) as c:
        yield c


def get(client: httpx.Client, document_url: str) -> httpx.Response:
    """The document's URL, its host replaced by the simulator's."""
    parts = urlsplit(document_url)
    return client.get(parts.path, params=parse_qsl(parts.query, keep_blank_values=True))


def eventually(check: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def test_captcha_example_and_its_result_states(centre: httpx.Client) -> None:
    assert get(centre, CAPTCHA_URL).status_code == 200  # "200: 成功"
    states: list[int] = []

    def final() -> bool:
        body = centre.get("/bridge/callctrl", params={"id": "1", "opt": "GET_CAPTCHA_RESULT"}).text.strip()
        states.append(int(body))
        return states[-1] not in (0, 4)

    eventually(final, "the captcha call to end")
    assert set(states) <= set(CAPTCHA_RESULT_STATES)  # only the listed 0…6
    unknown = centre.get("/bridge/callctrl", params={"id": "nope", "opt": "GET_CAPTCHA_RESULT"})
    assert unknown.text.strip() == "404"  # "404: id 不存在"


def test_ivr_tts_call_example_result_and_monitor(centre: httpx.Client) -> None:
    assert get(centre, MONITOR_URL).text == MONITOR_EXAMPLE  # an idle centre: "queue=0;playcount=0"
    assert get(centre, IVR_TTS_CALL_URL).status_code == 200  # "200: 操作成功，系统已经开始呼叫"
    assert get(centre, IVR_TTS_CALL_URL).status_code == 483  # "483: 重复提交"
    result = centre.get("/bridge/callctrl", params={"token": "0123456789", "opt": "IVR_TTS_CALL_RESULT"})
    match = _RESULT.match(result.text)  # "返回结果如: state=1;satisfact=8"
    assert match is not None and int(match.group(1)) in CAPTCHA_RESULT_STATES
    monitor = re.fullmatch(r"queue=(\d+);playcount=(\d+)", get(centre, MONITOR_URL).text)
    assert monitor is not None


def test_contacts_and_preorders_from_the_documents_get(centre: httpx.Client) -> None:
    contacts = {"data": CONTACTS_DATA}
    assert centre.get("/bridge/ContactsSrvlt", params=contacts).status_code == 200
    assert centre.get("/bridge/ContactsSrvlt", params=contacts).status_code == 483  # "电话号码重复"
    printed = centre.get("/bridge/ContactsSrvlt", params={"data": CONTACTS_DATA_AS_PRINTED})
    assert printed.status_code == 400  # the example as printed is not JSON: "400: 参数错误等导致失败"
    preorders = {"data": PREORDER_DATA}
    assert centre.get("/bridge/PreorderSrvlt", params=preorders).status_code == 200
    assert centre.get("/bridge/PreorderSrvlt", params=preorders).status_code == 483  # "商机重复"


def test_call_log_answers_in_the_examples_shape(centre: httpx.Client) -> None:
    old = get(centre, CALL_LOG_QUERY_URL)
    assert old.status_code == 200 and old.json() == []  # nothing in March 2016
    assert get(centre, CALL_LOG_WITH_CALLID_URL).status_code == 404
    assert centre.get("/bridge/callctrl", params={"token": "t", "callee": "13800138000", "toneid": "20",
                                                  "opt": "IVR_TTS_CALL"}).status_code == 200  # fmt: skip
    rows: list[dict[str, object]] = []

    def logged() -> bool:
        rows[:] = centre.get("/bridge/callctrl", params={"opt": "CALL_LOG_QUERY", "first": "0"}).json()
        return bool(rows)

    eventually(logged, "the call to reach the log")
    example = json.loads(CALL_LOG_EXAMPLE)[0]
    assert set(rows[0]) >= set(example) - {"calleuid"}  # the example's fields (calleuid is on one row only)
    assert rows[0]["state"] in ("STATE_FAILED", "STATE_RECEIVED", "STATE_RECEIVING")
    assert rows[0]["estimate"] in ("", 1, 2, 3) and rows[0]["clickcallid"] == ""
    one = centre.get(
        "/bridge/callctrl", params={"callid": rows[0]["callid"], "opt": "CALL_LOG_GET_WITH_CALLID"}
    )
    assert one.json() == rows[0]


def test_tone_files_in_the_examples_shape(centre: httpx.Client) -> None:
    served = centre.get("/bridge/ToneFileSvlt", params={"opt": "query"}).json()
    example = json.loads(TONE_FILES_EXAMPLE)
    assert served and all(set(tone) == set(example[0]) for tone in served)  # id, titel, path, des


def test_agent_states_in_the_examples_shape(centre: httpx.Client) -> None:
    agents = get(centre, EXTNUM_STATE_URL).json()
    example = json.loads(EXTNUM_STATE_EXAMPLE)
    assert agents and all(set(a) - {"remoteNum"} == set(example[0]) for a in agents)
    assert all(a["telRegState"] in (0, 1) for a in agents)  # "0: 未注册 1: 已注册"
