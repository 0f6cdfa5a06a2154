"""Collecting results for a batch of placed attempts: one message, many attempts, no sleeping.

Each campaign's kind reads the centre and says what it saw (a ``Reading``); this module turns readings
into ledger moves the same way for every kind: final → outcome, not found → grace then unknown, answered
awaiting keys → wait until the IVR's longest duration, otherwise nothing (the next poll was scheduled when
this one was handed out). What the batch learnt is written in one transaction.

A batch keeps to a time budget (``runtime.POLL_BUDGET_S``): it sends no request that, waiting its full
timeout, could end past the budget. A centre that answers in milliseconds gets all fifty polls of a
message; one that hangs gets as many as fit, and the rest are due again at once for the next dispatch.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta

from batch_dialer.callcenter.errors import CallCenterError
from batch_dialer.campaigns.attempt_states import AttemptState, Outcome
from batch_dialer.campaigns.kinds.base import CampaignKind, PollTarget, Reading, ReadingStatus
from batch_dialer.campaigns.kinds.registry import kind_named
from batch_dialer.campaigns.poll_ledger import Answered, Finished, poll_targets, record_batch
from batch_dialer.workers.runtime import POLL_BUDGET_S, Runtime

__all__ = ["NOT_FOUND_GRACE_S", "collect"]

log = logging.getLogger("batch_dialer.workers.collecting")

# A token the centre does not know right after placement may just not be visible yet.
NOT_FOUND_GRACE_S = 30.0


def collect(runtime: Runtime, attempt_ids: Sequence[int]) -> dict[str, int]:
    """Poll every placed attempt in `attempt_ids` once (as many as the time budget allows) and record what
    is final; returns counts."""
    counts: dict[str, int] = defaultdict(int)
    answered: list[Answered] = []
    finished: list[Finished] = []
    deferred: list[int] = []
    ends_at = runtime.clock.now() + timedelta(seconds=POLL_BUDGET_S)
    for n, (kind, targets) in enumerate(_steps(poll_targets(runtime.engine, attempt_ids))):
        # the first step always runs (a batch always progresses); a bulk read counts as one request
        worst = timedelta(seconds=runtime.timings.request_timeout_s * (kind.poll_step or 1))
        if n and runtime.clock.now() + worst > ends_at:
            deferred.extend(t.attempt_id for t in targets)
            continue
        readings = kind.read_results(runtime, targets)
        now = runtime.clock.now()
        for target in targets:
            reading = readings.get(target.attempt_id)
            if isinstance(reading, CallCenterError) or reading is None:
                # one failed poll costs one interval, not the batch (its next poll is already due later)
                log.warning("poll of %s failed: %s", target.token, reading)
                counts["errors"] += 1
                continue
            verdict = _judge(runtime, target, reading, now)
            if isinstance(verdict, Finished):
                finished.append(verdict)
                counts[verdict.outcome.value] += 1
            elif isinstance(verdict, Answered):
                answered.append(verdict)
                counts["answered_waiting_keys"] += 1
            else:
                counts[verdict] += 1
    if deferred:
        log.warning("poll batch out of time: %d polls left for the next dispatch", len(deferred))
        counts["deferred"] = len(deferred)
    record_batch(runtime.engine, runtime.clock.now(), answered, finished, due_again=deferred)
    return dict(counts)


def _steps(targets: Sequence[PollTarget]) -> Iterator[tuple[CampaignKind, list[PollTarget]]]:
    """The targets by kind, in the steps each kind reads them (``CampaignKind.poll_step``)."""
    by_kind: dict[str, list[PollTarget]] = defaultdict(list)
    for target in targets:
        by_kind[target.kind].append(target)
    for kind_name, of_kind in by_kind.items():
        kind = kind_named(kind_name)
        step = kind.poll_step or len(of_kind)
        for start in range(0, len(of_kind), step):
            yield kind, of_kind[start : start + step]


def _judge(
    runtime: Runtime, target: PollTarget, reading: Reading, now: datetime
) -> Finished | Answered | str:
    status = reading.status
    if status is ReadingStatus.FINAL and reading.outcome is not None:
        return _finished(target, reading.outcome, reading)
    if status is ReadingStatus.NOT_FOUND:
        if now - target.placed_at < timedelta(seconds=NOT_FOUND_GRACE_S):
            return "waiting"
        return _finished(target, Outcome.UNKNOWN, reading, AttemptState.UNKNOWN)
    if status is ReadingStatus.AWAITING_KEYS:
        answered_at = target.answered_at or now
        keys_until = answered_at + timedelta(seconds=target.ivr_max_seconds)
        if now >= keys_until:
            return _finished(target, Outcome.ANSWERED, reading)
        paced = now + timedelta(seconds=runtime.timings.next_poll_in_s)
        if target.answered_at is None or paced > keys_until:
            # keys may come until keys_until: the poll that gives up on them must not come later
            return Answered(target.attempt_id, min(paced, keys_until), first=target.answered_at is None)
        return "answered_waiting_keys"
    if target.poll_deadline is not None and now >= target.poll_deadline:
        return _finished(target, Outcome.UNKNOWN, reading, AttemptState.UNKNOWN)
    return "in_progress"


def _finished(
    target: PollTarget, outcome: Outcome, reading: Reading, attempt_state: AttemptState = AttemptState.FINAL
) -> Finished:
    return Finished(
        target.attempt_id,
        outcome,
        reading.centre_state,
        reading.keys if outcome is not Outcome.UNKNOWN else None,
        attempt_state,
        reading.dials,
    )
