"""soap_tts as §26 says: "CONFIRM: 播放成功 RING_TIME_OUT: 振铃超时 CALL_FAILED: 尝试 3 次失败" and
"calltime 重复呼叫次数，默认尝试 3 次不接通，则放弃" — the centre retries a call itself, a ring time-out
between its tries does not end the call, and every dial it makes counts toward --cap and the attempts."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select

from batch_dialer.callcenter import GuoxinSoap, connect
from batch_dialer.callcenter.results import TextToCall, TextToCallState
from batch_dialer.campaigns.kinds.base import ReadingStatus
from batch_dialer.campaigns.kinds.soap_tts import reading_of_timed_call
from batch_dialer.campaigns.models import CallAttempt, CallTask, table_of
from batch_dialer.campaigns.progress import campaign_progress
from tests.engine_support import make_campaign, run_to_completion, seed_contacts
from tests.simulator_fixtures import running_simulator

SOAP = {"kind": "soap_tts", "tts": [], "toneid": None, "text": "尊敬的{name}，您的快递已到。"}


def _row(state: str, calltime: int | None) -> TextToCall:
    return TextToCall(
        callee="13900000000",
        content="x",
        calldate=datetime(2024, 5, 1, tzinfo=UTC),
        servicetype="S",
        id=7,
        state=TextToCallState(state),
        calltime=calltime,
    )


@pytest.mark.parametrize(
    ("state", "calltime", "status", "outcome", "dials"),
    [
        ("WAITING", 0, ReadingStatus.PENDING, None, 1),
        ("TRYING", 1, ReadingStatus.PENDING, None, 1),
        ("RING_TIME_OUT", 1, ReadingStatus.PENDING, None, 1),  # between the centre's own tries
        ("RING_TIME_OUT", 2, ReadingStatus.PENDING, None, 2),
        ("RING_TIME_OUT", 3, ReadingStatus.FINAL, "no_answer", 3),  # its last try rang out
        ("CONFIRM", 2, ReadingStatus.FINAL, "answered", 2),
        ("CALL_FAILED", 3, ReadingStatus.FINAL, "failed", 3),
        ("CALL_FAILED", 1, ReadingStatus.FINAL, "failed", 1),
    ],
)
def test_states_end_a_call_as_section_26_says(
    state: str, calltime: int, status: ReadingStatus, outcome: str | None, dials: int
) -> None:
    reading = reading_of_timed_call(_row(state, calltime))
    assert reading.status is status
    assert (reading.outcome.value if reading.outcome else None) == outcome
    assert reading.dials == dials


def test_cap_holds_counting_the_centres_own_retries(sqlite_engine: Engine) -> None:
    seed_contacts(sqlite_engine, 30)
    end = (datetime.now(UTC) + timedelta(minutes=30)).isoformat()
    cid = make_campaign(sqlite_engine, channels=10, max_attempts=5, cap="2/24h", end=end, **SOAP)
    with running_simulator(channels=20, speed=300, seed=4) as sim:
        centre = connect(sim.base_url, None)
        run_to_completion(
            sqlite_engine, centre, cid, timeout=150, soap_factory=lambda: GuoxinSoap(sim.base_url)
        )
        truth = sim.center.truth()
    attempt, task = table_of(CallAttempt), table_of(CallTask)
    with sqlite_engine.connect() as conn:
        rows = conn.execute(
            select(attempt.c.phone, attempt.c.dials, attempt.c.state)
            .where(attempt.c.state.in_(("final", "unknown")))
            .order_by(attempt.c.id)
        ).all()
        task_attempts = dict(conn.execute(select(task.c.phone, task.c.attempts)).all())
    assert campaign_progress(sqlite_engine, cid)["status"] == "completed"
    dials_by_phone: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        dials_by_phone[row.phone].append(int(row.dials))
    # every dial the centre made is one we counted, on the attempt and on the task
    assert {p: sum(d) for p, d in dials_by_phone.items()} == truth["calls_by_number"]
    assert {p: sum(d) for p, d in dials_by_phone.items()} == {p: n for p, n in task_attempts.items() if n}
    # we placed again only while the number's dials (the centre's retries included) were under the cap
    for phone, dials in dials_by_phone.items():
        for k in range(1, len(dials)):
            assert sum(dials[:k]) < 2, f"{phone[-4:]}: placed again after {dials[:k]} dials"
    retried_by_centre = [p for p, d in dials_by_phone.items() if d[0] >= 2]
    assert retried_by_centre, "the seed should give some calls the centre retried itself"
    assert all(len(dials_by_phone[p]) == 1 for p in retried_by_centre)
