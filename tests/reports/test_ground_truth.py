"""Issue 5's acceptance: for a campaign run against the simulator, every number in the report's
summary equals what the simulator's ground truth says happened."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from sqlalchemy import Engine

from batch_dialer.callcenter import connect
from batch_dialer.campaigns.models import DoNotCall, table_of
from batch_dialer.reports import build_summary
from tests.engine_support import make_campaign, run_to_completion, seed_contacts
from tests.simulator_fixtures import running_simulator

KIND_TO_OUTCOME = {
    "answered_key": "answered",
    "answered_no_key": "answered",
    "busy": "busy",
    "power_off": "power_off",
    "empty": "empty",
    "failed": "failed",
}


def _truth_per_contact(truth: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    calls: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for call in truth["calls"].values():
        calls[call["callee"]].append(call)
    for history in calls.values():
        history.sort(key=lambda c: c["attempt_no"])
    return calls


def test_summary_equals_simulator_ground_truth(sqlite_engine: Engine) -> None:
    phones = seed_contacts(sqlite_engine, 150)
    with sqlite_engine.begin() as conn:  # two contacts on the do-not-call list: never dialled
        conn.execute(table_of(DoNotCall).insert(), [{"phone": p} for p in phones[:2]])
    cid = make_campaign(sqlite_engine, channels=10, max_attempts=3)
    with running_simulator(channels=20, speed=300, seed=21) as sim:
        centre = connect(sim.base_url, None)
        run_to_completion(sqlite_engine, centre, cid, timeout=120)
        truth = sim.center.truth()
        summary = build_summary(sqlite_engine, cid, centre=centre).as_json()

    per_contact = _truth_per_contact(truth)
    answered = {p for p, h in per_contact.items() if KIND_TO_OUTCOME[h[-1]["kind"]] == "answered"}
    keyed = {p: h[-1]["keys"] for p, h in per_contact.items() if h[-1]["kind"] == "answered_key"}
    final_outcome = Counter(KIND_TO_OUTCOME[h[-1]["kind"]] for h in per_contact.values())

    assert summary["contacts"] == len(phones)
    assert summary["dialled"] == len(per_contact) == len(phones) - 2
    assert summary["attempts"] == truth["calls_total"]
    assert summary["answered"] == len(answered)
    assert summary["keyed"] == len(keyed)
    expected_outcomes = dict(final_outcome) | {"dnc": 2}
    assert {k: v for k, v in summary["by_outcome"].items() if v} == expected_outcomes
    satisfaction = Counter(str(k).split("=")[-1] for k in keyed.values())
    assert {k: v for k, v in summary["satisfaction"].items() if v} == dict(satisfaction)
    # retry yield: answers that came only from the 2nd / 3rd call
    retries = Counter(h[-1]["attempt_no"] for p, h in per_contact.items() if p in answered and len(h) > 1)
    assert {int(k): v for k, v in summary["retry_yield"].items() if v} == dict(retries)
    scores = [int(v) for v in satisfaction.elements()]
    assert summary["mean"] == round(sum(scores) / len(scores), 4)
    top_two = sum(1 for s in scores if s in (1, 2))
    assert summary["csat"] == round(top_two / len(scores), 4)
