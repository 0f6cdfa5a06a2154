"""Parsing of the §2.7 CDR push, its memo and the hang-up reason, from the document's own example."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl, urlsplit

import pytest

from batch_dialer.callcenter.errors import UnexpectedResponse
from batch_dialer.callcenter.ing800 import HangupKind, PushType, parse_cdr_push, verdict_for_hangup
from batch_dialer.campaigns.attempt_states import Outcome
from batch_dialer.campaigns.ing800_outcomes import outcome_for_hangup

# §2.7 例 (the document elides the memo with "...."; the rest of its fields come from its table).
DOC_EXAMPLE = 'http://127.0.0.1/api/voip.json?type=3&phone=13688888888&peer=1&memo={"cdrId":2323,"cdrExtension":"2323232"}'


def test_document_example_push_parses() -> None:
    push = parse_cdr_push(dict(parse_qsl(urlsplit(DOC_EXAMPLE).query)))
    assert push.type is PushType.HANGUP and push.peer == 1 and push.phone == "13688888888"
    assert push.memo is not None and push.cdr_id == "2323" and push.memo.extension == "2323232"
    assert push.is_final and push.dedup_key() == "cdr:2323:3"


def test_full_memo_fields_become_typed() -> None:
    memo = {
        "cdrId": 2323,
        "cdrExtension": "8001",
        "cdrTalktime": "42",
        "cdrHangupReasonCode": "16",
        "cdrHangupReasonText": "NORMAL_CLEARING",
        "cdrIVRKey": "",
        "woOther11": "2",
        "woOther1": "满意",
        "cdrRecordFile": "2020/09/25/2323.wav",
        "paramvalue": "c1ab-t2-a1",
        "cdrStartTime": "2020-09-25 10:00:00",
        "cdrPhoneNum": "13688888888",
    }
    push = parse_cdr_push({"type": "3", "peer": "1", "phone": "13688888888", "memo": json.dumps(memo)})
    m = push.memo
    assert m is not None
    assert (m.talk_seconds, m.record_file, push.paramvalue) == (42, "2020/09/25/2323.wav", "c1ab-t2-a1")
    assert m.keys == "2"  # cdrIVRKey empty → work-order 按键 woOther11
    assert m.extra["woOther1"] == "满意"
    assert m.verdict().kind is HangupKind.ANSWERED


def test_call_and_answer_pushes_without_memo_are_not_final() -> None:
    push = parse_cdr_push({"type": "1", "peer": "1", "phone": "13688888888", "paramvalue": "tok"})
    assert push.memo is None and not push.is_final and push.paramvalue == "tok"
    assert push.dedup_key() == "cdr:tok:1"


@pytest.mark.parametrize(
    ("fields", "problem"),
    [({"type": "7"}, "type='7'"), ({"type": "3", "memo": "{not json"}, "memo is not JSON")],
)
def test_bad_push_is_one_clear_error(fields: dict[str, str], problem: str) -> None:
    with pytest.raises(UnexpectedResponse, match=problem.replace("(", r"\(")):
        parse_cdr_push(fields)


@pytest.mark.parametrize(
    ("code", "text", "talk", "kind", "outcome"),
    [
        ("16", "NORMAL_CLEARING", 30, HangupKind.ANSWERED, Outcome.ANSWERED),
        ("17", "USER_BUSY", 0, HangupKind.BUSY, Outcome.BUSY),
        ("486", "", 0, HangupKind.BUSY, Outcome.BUSY),
        ("19", "NO_ANSWER", 0, HangupKind.NO_ANSWER, Outcome.NO_ANSWER),
        (None, "NO_USER_RESPONSE", 0, HangupKind.NO_ANSWER, Outcome.NO_ANSWER),
        ("20", "SUBSCRIBER_ABSENT", 0, HangupKind.UNREACHABLE, Outcome.POWER_OFF),
        ("1", "UNALLOCATED_NUMBER", 0, HangupKind.EMPTY, Outcome.EMPTY),
        ("404", None, 0, HangupKind.EMPTY, Outcome.EMPTY),
        ("487", "ORIGINATOR_CANCEL", 0, HangupKind.CANCELLED, Outcome.FAILED),
        ("16", "NORMAL_CLEARING", 0, HangupKind.FAILED, Outcome.FAILED),
        ("999", "鬼知道", 0, HangupKind.FAILED, Outcome.FAILED),
    ],
)
def test_hangup_reason_maps_to_outcome(
    code: str | None, text: str | None, talk: int, kind: HangupKind, outcome: Outcome
) -> None:
    verdict = verdict_for_hangup(code, text, talk)
    assert verdict.kind is kind and outcome_for_hangup(verdict.kind) is outcome
