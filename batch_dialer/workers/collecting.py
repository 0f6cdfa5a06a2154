"""Collecting results for a batch of placed attempts: one message, many tokens, no sleeping.

A centre may say `state=1` as soon as the callee answers and add the keys only when they are
pressed, so an answered call without keys stays open until the keys come or the IVR's
longest duration has passed.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta

from batch_dialer.callcenter.errors import CallCenterError
from batch_dialer.callcenter.results import CallResult, CallState, TextToCall
from batch_dialer.campaigns.attempt_ledger import PollTarget, finish_attempt, poll_targets, reschedule_poll
from batch_dialer.campaigns.outcome_policy import outcome_from_centre_state, outcome_from_soap_state
from batch_dialer.workers.runtime import Runtime

__all__ = ["NOT_FOUND_GRACE_S", "collect"]

log = logging.getLogger("batch_dialer.workers.collecting")

# A token the centre does not know right after placement may just not be visible yet.
NOT_FOUND_GRACE_S = 30.0


def collect(runtime: Runtime, attempt_ids: Sequence[int]) -> dict[str, int]:
    """Poll every placed attempt in `attempt_ids` once and record what is final; returns counts."""
    counts: dict[str, int] = defaultdict(int)
    targets = poll_targets(runtime.engine, attempt_ids)
    soap_rows = _soap_listing(runtime, [t for t in targets if t.kind == "soap_tts"])
    for target in targets:
        try:
            if target.kind == "soap_tts":
                outcome = _soap_outcome(soap_rows.get(target.centre_ref or ""))
                _apply_soap(runtime, target, outcome, counts)
                continue
            result = (
                runtime.centre.captcha_result(target.token)
                if target.kind == "captcha"
                else runtime.centre.tts_call_result(target.token)
            )
        except CallCenterError as exc:
            # one failed poll costs one interval, not the batch
            log.warning("poll of %s failed: %s", target.token, exc)
            reschedule_poll(
                runtime.engine, target.attempt_id, runtime.clock.now(), runtime.timings.poll_interval_s
            )
            counts["errors"] += 1
            continue
        counts[_apply(runtime, target, result)] += 1
    return dict(counts)


def _apply(runtime: Runtime, target: PollTarget, result: CallResult) -> str:
    now = runtime.clock.now()
    interval = runtime.timings.poll_interval_s
    state = result.state
    if state is CallState.NOT_FOUND:
        if now - target.placed_at < timedelta(seconds=NOT_FOUND_GRACE_S):
            reschedule_poll(runtime.engine, target.attempt_id, now, interval)
            return "waiting"
        return _finish(runtime, target, now, "unknown", int(state), None, attempt_state="unknown")
    if state is CallState.ANSWERED:
        if result.keys or target.kind == "captcha":
            return _finish(runtime, target, now, "answered", int(state), result.keys)
        answered_at = target.answered_at or now
        if now >= answered_at + timedelta(seconds=target.ivr_max_seconds):
            return _finish(runtime, target, now, "answered", int(state), None)
        reschedule_poll(runtime.engine, target.attempt_id, now, interval, answered=target.answered_at is None)
        return "answered_waiting_keys"
    outcome = outcome_from_centre_state(int(state))
    if outcome is not None:
        return _finish(runtime, target, now, outcome.value, int(state), result.keys or None)
    if target.poll_deadline is not None and now >= target.poll_deadline:
        return _finish(runtime, target, now, "unknown", int(state), None, attempt_state="unknown")
    reschedule_poll(runtime.engine, target.attempt_id, now, interval)
    return "in_progress"


def _finish(
    runtime: Runtime,
    target: PollTarget,
    now: datetime,
    outcome: str,
    centre_state: int | None,
    keys: dict[str, str] | None,
    attempt_state: str = "final",
) -> str:
    finish_attempt(
        runtime.engine,
        target.attempt_id,
        now,
        outcome=outcome,
        centre_state=centre_state,
        keys=keys,
        attempt_state=attempt_state,
    )
    return outcome


def _soap_listing(runtime: Runtime, targets: Sequence[PollTarget]) -> dict[str, TextToCall]:
    """One listWithToken per campaign covers every timed call of that campaign."""
    rows: dict[str, TextToCall] = {}
    for servicetype in {t.servicetype for t in targets}:
        first = 0
        while True:
            page = runtime.soap().list_with_token(first, 500, servicetype, None)
            rows.update({str(call.id): call for call in page})
            if len(page) < 500:
                break
            first += len(page)
    return rows


def _soap_outcome(call: TextToCall | None) -> str | None:
    if call is None or call.state is None:
        return None
    outcome = outcome_from_soap_state(call.state.value)
    return outcome.value if outcome is not None else None


def _apply_soap(runtime: Runtime, target: PollTarget, outcome: str | None, counts: dict[str, int]) -> None:
    now = runtime.clock.now()
    if outcome is not None:
        counts[_finish(runtime, target, now, outcome, None, None)] += 1
    elif target.poll_deadline is not None and now >= target.poll_deadline:
        counts[_finish(runtime, target, now, "unknown", None, None, attempt_state="unknown")] += 1
    else:
        reschedule_poll(runtime.engine, target.attempt_id, now, runtime.timings.poll_interval_s)
        counts["in_progress"] += 1
