"""Placing one attempt at the call centre: dial-time checks, submission, and what a refusal means.

The campaign's kind does the centre-specific part (submit, find an earlier submission); this module
owns what every kind shares: the checks, the ledger moves, and how a refusal is read.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update

from batch_dialer.callcenter.errors import (
    BadParameters,
    BadPassword,
    CallCenterError,
    CenterBusy,
    CenterUnavailable,
    DuplicateSubmission,
    PaymentRequired,
)
from batch_dialer.callcenter.masking import mask_phone
from batch_dialer.campaigns.attempt_ledger import recent_rejections, reject_attempt, release_attempt
from batch_dialer.campaigns.attempt_states import AttemptState, TaskState
from batch_dialer.campaigns.kinds.base import DialJob
from batch_dialer.campaigns.kinds.registry import kind_named
from batch_dialer.campaigns.lifecycle import pause_running
from batch_dialer.campaigns.models import CallAttempt, table_of
from batch_dialer.campaigns.submit_ledger import Placed, begin_submits, mark_placed
from batch_dialer.workers.runtime import Runtime

__all__ = ["BAD_DATA_CODES", "place", "place_many"]

log = logging.getLogger("batch_dialer.workers.placing")
_attempt = table_of(CallAttempt)

# How long a centre refusal (486/480/503) keeps the task back before it may be claimed again.
CONGESTION_BACKOFF_S = 2.0
#: §3/§18: 400 "参数错误" and 420 "语音文件不存在 / 参数不正确" answered for one call are about that call's
#: data; only a run of them says the campaign's own settings are wrong.
BAD_DATA_CODES = frozenset({400, 420})


def place(runtime: Runtime, attempt_id: int) -> str:
    """Place attempt `attempt_id` unless something says not to; returns what happened (for logs/tests).

    Transport failures raise, so dramatiq retries the message; the attempt's lease is expired first,
    and the retry (a resubmission) asks the centre whether the first submission got through before
    sending anything.
    """
    result = place_many(runtime, [attempt_id])[attempt_id]
    if isinstance(result, CallCenterError):
        raise result
    return result


def place_many(runtime: Runtime, attempt_ids: Sequence[int]) -> dict[int, str | CallCenterError]:
    """Place several claimed attempts: one transaction loads them all, each goes to the centre on its
    own, one transaction records the accepted ones. A transport failure is that attempt's result (its
    lease expired, so a re-send takes it over as a resubmission); it does not hold up the others."""
    now = runtime.clock.now()
    jobs = begin_submits(runtime.engine, attempt_ids, now, runtime.timings.claim_lease_s)
    # a submission must end (answered or timed out) before its lease does, or the scheduler's recovery
    # could send the same attempt again while this one is still on its way to the centre (a lease shorter
    # than one request's worst case cannot promise that even for the first: then all go, as they came)
    spare = runtime.timings.claim_lease_s - runtime.timings.request_timeout_s
    last_start = now + timedelta(seconds=spare) if spare > 0 else None
    results: dict[int, str | CallCenterError] = {}
    placed: list[Placed] = []
    try:
        for attempt_id in attempt_ids:
            job = jobs.get(attempt_id)
            if job is None:
                results[attempt_id] = "skipped"
                continue
            if last_start is not None and runtime.clock.now() > last_start:  # recovery re-sends it
                _expire_lease(runtime, attempt_id, now)
                results[attempt_id] = "lease-short"
                continue
            try:
                outcome = _submit(runtime, job, now)
            except CallCenterError as exc:
                _expire_lease(runtime, attempt_id, now)
                results[attempt_id] = exc
                continue
            if isinstance(outcome, str):
                results[attempt_id] = outcome
            else:
                placed.append((job, outcome.centre_ref))
                results[attempt_id] = "placed"
    finally:  # what the centre accepted is recorded even if a later attempt of the batch blew up
        # the first poll: with the call log's hints, when the log says the call ended (or the safety net's
        # interval passed); a poll one interval after placing would only find the call still ringing
        mark_placed(runtime.engine, placed, now, runtime.timings.next_poll_in_s)
    for job, _ in placed:
        log.info("placed %s to %s (attempt %d)", job.token, mask_phone(job.phone), job.attempt_no)
    return results


@dataclass(frozen=True)
class _Accepted:
    centre_ref: str | None


def _submit(runtime: Runtime, job: DialJob, now: datetime) -> _Accepted | str:
    """Send one job to the centre unless something says not to: accepted, or what happened instead."""
    kind = kind_named(job.campaign.kind)
    if job.resubmission:
        earlier = kind.find_at_centre(runtime, job)
        if earlier is not None:
            return _Accepted(earlier.centre_ref)
    refusal = _dial_time_refusal(job, now)
    if refusal is not None:
        state, retry_at, reason = refusal
        release_attempt(
            runtime.engine, job.attempt_id, now, retry_at=retry_at, task_state=state, reason=reason
        )
        return f"released:{reason}"
    try:
        return _Accepted(kind.submit(runtime, job, now))
    except DuplicateSubmission:
        return _Accepted(None)  # an earlier submission of this very token got through
    except (CenterBusy, CenterUnavailable) as exc:
        retry_at = now + timedelta(seconds=exc.retry_after or CONGESTION_BACKOFF_S)
        release_attempt(
            runtime.engine, job.attempt_id, now, retry_at=retry_at, code=exc.code, reason=str(exc)
        )
        return f"congested:{exc.code}"
    except BadParameters as exc:
        if exc.code in BAD_DATA_CODES:
            return _rejected(runtime, job, now, exc)
        return _refused(runtime, job, now, exc)
    except (BadPassword, PaymentRequired) as exc:
        return _refused(runtime, job, now, exc)


def _rejected(runtime: Runtime, job: DialJob, now: datetime, exc: CallCenterError) -> str:
    """One contact's bad data: that attempt fails; a run of them pauses the campaign."""
    assert exc.code is not None
    reject_attempt(runtime.engine, job.attempt_id, now, code=exc.code, reason=str(exc))
    log.warning("contact %s refused by the centre (%s)", mask_phone(job.phone), exc.code)
    run = runtime.timings.bad_data_run
    if recent_rejections(runtime.engine, job.campaign_id, run) >= run:
        reason = f"call centre refused {run} calls in a row ({exc.code}): {exc}"
        pause_running(runtime.engine, job.campaign_id, reason)
        log.error("campaign %s paused: %s", job.campaign_id, reason)
    return f"rejected:{exc.code}"


def _refused(runtime: Runtime, job: DialJob, now: datetime, exc: CallCenterError) -> str:
    """Configuration the operator must fix (401/421, 403): stop dialling this campaign, keep the task."""
    release_attempt(runtime.engine, job.attempt_id, now, retry_at=now, code=exc.code, reason=str(exc))
    pause_running(runtime.engine, job.campaign_id, f"call centre refused: {exc}")
    log.error("campaign %s paused: %s", job.campaign_id, exc)
    return f"refused:{exc.code}"


def _dial_time_refusal(job: DialJob, now: datetime) -> tuple[TaskState, datetime | None, str] | None:
    """(task state, when to try again, why) if this call must not be placed now."""
    campaign = job.campaign
    status, on_dnc = campaign.status, job.on_dnc  # read with the claim, in one transaction
    if on_dnc:
        return (TaskState.DNC, None, "do-not-call")
    if status == "cancelled":
        return (TaskState.CANCELLED, None, "campaign cancelled")
    if campaign.end_at is not None and now >= campaign.end_at:
        return (TaskState.CANCELLED, None, "campaign ended")
    if status != "running":
        return (TaskState.PENDING, now, f"campaign {status}")
    window = campaign.calling_window()
    if not window.contains(now):
        return (TaskState.PENDING, window.next_open(now), "outside the calling window")
    return None


def _expire_lease(runtime: Runtime, attempt_id: int, now: datetime) -> None:
    """Not a state change: the attempt stays `submitting` and is taken over at once by the retry."""
    with runtime.engine.begin() as conn:
        conn.execute(
            update(_attempt)
            .where(_attempt.c.id == attempt_id, _attempt.c.state == AttemptState.SUBMITTING.value)
            .values(lease_until=now)
        )
