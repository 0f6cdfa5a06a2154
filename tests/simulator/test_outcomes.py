"""Outcome planning is deterministic per (seed, number, attempt), across processes."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter

from batch_dialer.callcenter.simulator import CallKind, is_empty_number, plan_call

NUMBERS = [f"1380013{i:04d}" for i in range(4000)]


def test_same_seed_same_plan_in_another_process() -> None:
    here = [plan_call(7, n, a) for n in NUMBERS[:50] for a in (1, 2, 3)]
    code = (
        "from batch_dialer.callcenter.simulator import plan_call\n"
        f"for n in {NUMBERS[:50]!r}:\n"
        "    for a in (1, 2, 3):\n"
        "        print(repr(plan_call(7, n, a)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.splitlines() == [repr(p) for p in here]


def test_seed_changes_outcomes() -> None:
    a = [plan_call(1, n, 1) for n in NUMBERS[:200]]
    b = [plan_call(2, n, 1) for n in NUMBERS[:200]]
    assert a != b


def test_mix_is_roughly_as_specified() -> None:
    counts = Counter(plan_call(1, n, 1).kind for n in NUMBERS)
    share = {k: counts[k] / len(NUMBERS) for k in CallKind}
    assert abs(share[CallKind.ANSWERED_KEY] - 0.60) < 0.03
    assert abs(share[CallKind.BUSY] - 0.12) < 0.02
    assert abs(share[CallKind.EMPTY] - 0.05) < 0.015
    assert all(share[k] > 0.03 for k in CallKind)


def test_empty_number_is_empty_on_every_attempt_and_others_vary() -> None:
    empty = [n for n in NUMBERS if is_empty_number(1, n)]
    assert empty
    assert all(plan_call(1, n, a).kind is CallKind.EMPTY for n in empty[:20] for a in range(1, 6))
    varying = [n for n in NUMBERS[:100] if len({plan_call(1, n, a).kind for a in range(1, 6)}) > 1]
    assert len(varying) > 50


def test_durations_and_keys_within_bounds() -> None:
    for n in NUMBERS[:1000]:
        p = plan_call(1, n, 1)
        if p.answered:
            assert 3 <= p.ring_s <= 15 and 20 <= p.talk_s <= 60 and p.agent_s >= 30
            assert p.final_state == 1
        if p.kind is CallKind.ANSWERED_KEY:
            assert p.keys in {"1", "2", "3", "4", "5"}
            assert p.key_at_s is not None and 0 < p.key_at_s < p.talk_s
        else:
            assert p.keys == "" and p.key_at_s is None
        if p.kind is CallKind.BUSY:
            assert 2 <= p.ring_s <= 5 and p.talk_s == 0 and p.final_state == 5
    keys = Counter(plan_call(1, n, 1).keys for n in NUMBERS if plan_call(1, n, 1).keys)
    assert keys["1"] > keys["2"] > keys["3"] > keys["5"]
