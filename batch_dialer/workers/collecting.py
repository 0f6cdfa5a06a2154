"""Collecting results for a batch of placed attempts: one message, many attempts, no sleeping.

Each campaign's kind reads the centre and says what it saw (a ``Reading``); this module turns readings
into ledger moves the same way for every kind: final → outcome, not found → grace then unknown, answered
awaiting keys → wait until the IVR's longest duration, otherwise poll again until the deadline.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from datetime import timedelta

from batch_dialer.callcenter.errors import CallCenterError
from batch_dialer.campaigns.attempt_ledger import finish_attempt, poll_targets, reschedule_poll
from batch_dialer.campaigns.attempt_states import AttemptState, Outcome
from batch_dialer.campaigns.kinds.base import PollTarget, Reading, ReadingStatus
from batch_dialer.campaigns.kinds.registry import kind_named
from batch_dialer.workers.runtime import Runtime

__all__ = ["NOT_FOUND_GRACE_S", "collect"]

log = logging.getLogger("batch_dialer.workers.collecting")

# A token the centre does not know right after placement may just not be visible yet.
NOT_FOUND_GRACE_S = 30.0


def collect(runtime: Runtime, attempt_ids: Sequence[int]) -> dict[str, int]:
    """Poll every placed attempt in `attempt_ids` once and record what is final; returns counts."""
    counts: dict[str, int] = defaultdict(int)
    by_kind: dict[str, list[PollTarget]] = defaultdict(list)
    for target in poll_targets(runtime.engine, attempt_ids):
        by_kind[target.kind].append(target)
    for kind_name, targets in by_kind.items():
        readings = kind_named(kind_name).read_results(runtime, targets)
        for target in targets:
            reading = readings.get(target.attempt_id)
            if isinstance(reading, CallCenterError) or reading is None:
                # one failed poll costs one interval, not the batch
                log.warning("poll of %s failed: %s", target.token, reading)
                reschedule_poll(
                    runtime.engine, target.attempt_id, runtime.clock.now(), runtime.timings.poll_interval_s
                )
                counts["errors"] += 1
                continue
            counts[_apply(runtime, target, reading)] += 1
    return dict(counts)


def _apply(runtime: Runtime, target: PollTarget, reading: Reading) -> str:
    now = runtime.clock.now()
    interval = runtime.timings.poll_interval_s
    status = reading.status
    if status is ReadingStatus.FINAL and reading.outcome is not None:
        return _finish(runtime, target, reading.outcome, reading)
    if status is ReadingStatus.NOT_FOUND:
        if now - target.placed_at < timedelta(seconds=NOT_FOUND_GRACE_S):
            reschedule_poll(runtime.engine, target.attempt_id, now, interval)
            return "waiting"
        return _finish(runtime, target, Outcome.UNKNOWN, reading, AttemptState.UNKNOWN)
    if status is ReadingStatus.AWAITING_KEYS:
        answered_at = target.answered_at or now
        if now >= answered_at + timedelta(seconds=target.ivr_max_seconds):
            return _finish(runtime, target, Outcome.ANSWERED, reading)
        reschedule_poll(runtime.engine, target.attempt_id, now, interval, answered=target.answered_at is None)
        return "answered_waiting_keys"
    if target.poll_deadline is not None and now >= target.poll_deadline:
        return _finish(runtime, target, Outcome.UNKNOWN, reading, AttemptState.UNKNOWN)
    reschedule_poll(runtime.engine, target.attempt_id, now, interval)
    return "in_progress"


def _finish(
    runtime: Runtime,
    target: PollTarget,
    outcome: Outcome,
    reading: Reading,
    attempt_state: AttemptState = AttemptState.FINAL,
) -> str:
    finish_attempt(
        runtime.engine,
        target.attempt_id,
        runtime.clock.now(),
        outcome=outcome,
        centre_state=reading.centre_state,
        keys=reading.keys if outcome is not Outcome.UNKNOWN else None,
        attempt_state=attempt_state,
        dials=reading.dials,
    )
    return outcome.value
