"""The call-log tail (Guoxin §21) as the document describes the log: rows by start id, in any order
within a page, some still STATE_RECEIVING ("通话中") — shapes our simulator never produces."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from batch_dialer.callcenter import GuoxinHttp
from batch_dialer.scheduler.ended_calls import PAGE, RECEIVING_GIVE_UP_S, CallLogTail
from tests.conformance.document_examples import CALL_LOG_EXAMPLE

NOW = datetime(2016, 3, 28, 10, 30, tzinfo=UTC)


class DocumentLog:
    """A §21 server: `first` is a start id, rows come newest first (as in the document's example)."""

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows
        self.requests: list[dict[str, str]] = []

    def handler(self, request: httpx.Request) -> httpx.Response:
        params = dict(request.url.params)
        self.requests.append(params)
        assert params["opt"] == "CALL_LOG_QUERY" and "dirction" in params
        first, most = int(params["first"]), int(params["maxResults"])
        chosen = sorted((r for r in self.rows if r["id"] >= first), key=lambda r: r["id"])[:most]
        return httpx.Response(200, text=json.dumps(sorted(chosen, key=lambda r: -r["id"])))

    def centre(self) -> GuoxinHttp:
        return GuoxinHttp("http://centre.test:12121", transport=httpx.MockTransport(self.handler))


def _row(row_id: int, callee: str, state: str = "STATE_RECEIVED") -> dict[str, Any]:
    return {"id": row_id, "caller": "60610123", "callee": callee, "beginTime": 1459160441301,
            "duration": 3, "state": state, "callid": f"c{row_id}", "clickcallid": ""}  # fmt: skip


def test_the_documents_example_rows_are_ended_calls() -> None:
    log = DocumentLog(json.loads(CALL_LOG_EXAMPLE))
    tail = CallLogTail(log.centre())
    assert tail.ended_since_last(NOW) == {"816", "3888"}  # 37 before 36 on the page: order is not relied on
    assert tail.ended_since_last(NOW) == set()
    assert log.requests[-1]["first"] == "38"  # the largest id seen + 1
    assert log.requests[-1]["beginDate"] == "2016-03-27" and log.requests[-1]["endDate"] == "2016-03-29"


def test_a_call_still_going_is_read_again_until_it_ends() -> None:
    log = DocumentLog([_row(1, "13900000001"), _row(2, "13900000002", "STATE_RECEIVING"), _row(3, "139003")])
    tail = CallLogTail(log.centre())
    assert tail.ended_since_last(NOW) == {"13900000001", "139003"}
    log.rows[1] = _row(2, "13900000002", "STATE_RECEIVED")  # the centre settles the row in place
    log.rows.append(_row(4, "139004"))
    assert tail.ended_since_last(NOW + timedelta(seconds=1)) == {"13900000002", "139004"}
    assert log.requests[-1]["first"] == "2"  # restarted at the row that was still going
    assert tail.ended_since_last(NOW + timedelta(seconds=2)) == set()
    assert log.requests[-1]["first"] == "5"


def test_a_row_stuck_in_progress_does_not_pin_the_tail_for_ever() -> None:
    log = DocumentLog([_row(1, "139001", "STATE_RECEIVING")])
    tail = CallLogTail(log.centre())
    assert tail.ended_since_last(NOW) == set()
    later = NOW + timedelta(seconds=RECEIVING_GIVE_UP_S + 1)
    assert tail.ended_since_last(later) == set()
    log.rows.append(_row(2, "139002"))
    assert tail.ended_since_last(later) == {"139002"}
    assert log.requests[-1]["first"] == "2"


def test_pages_are_followed_to_the_end() -> None:
    log = DocumentLog([_row(i, f"1390000{i:04d}") for i in range(1, PAGE + 251)])
    tail = CallLogTail(log.centre())
    assert len(tail.ended_since_last(NOW) or ()) == PAGE + 250
    assert [r["first"] for r in log.requests] == ["0", str(PAGE + 1)]


def test_an_unreadable_log_says_so_and_nothing_is_skipped() -> None:
    answers = iter(
        [httpx.Response(503, text="503"), httpx.Response(200, text=json.dumps([_row(1, "139001")]))]
    )
    centre = GuoxinHttp("http://centre.test:12121", transport=httpx.MockTransport(lambda r: next(answers)))
    tail = CallLogTail(centre)
    assert tail.ended_since_last(NOW) is None  # the dispatcher then polls at the regular pace
    assert tail.ended_since_last(NOW) == {"139001"}
