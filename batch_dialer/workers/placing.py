"""Placing one attempt at the call centre: dial-time checks, submission, and what a refusal means.

The campaign's kind does the centre-specific part (submit, find an earlier submission); this module
owns what every kind shares: the checks, the ledger moves, and how a refusal is read.
"""

from __future__ import annotations

import logging
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
from batch_dialer.campaigns.attempt_ledger import (
    begin_submit,
    mark_placed,
    recent_rejections,
    reject_attempt,
    release_attempt,
)
from batch_dialer.campaigns.attempt_states import AttemptState, TaskState
from batch_dialer.campaigns.kinds.base import DialJob
from batch_dialer.campaigns.kinds.registry import kind_named
from batch_dialer.campaigns.lifecycle import pause_running
from batch_dialer.campaigns.models import CallAttempt, Campaign, DoNotCall, table_of
from batch_dialer.workers.runtime import Runtime

__all__ = ["BAD_DATA_CODES", "place"]

log = logging.getLogger("batch_dialer.workers.placing")
_attempt = table_of(CallAttempt)
_campaign = table_of(Campaign)
_dnc = table_of(DoNotCall)

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
    now = runtime.clock.now()
    job = begin_submit(runtime.engine, attempt_id, now, runtime.timings.claim_lease_s)
    if job is None:
        return "skipped"
    kind = kind_named(job.campaign.kind)
    if job.resubmission:
        try:
            earlier = kind.find_at_centre(runtime, job)
        except CallCenterError:
            _expire_lease(runtime, attempt_id, now)  # the message's retry asks again at once
            raise
        if earlier is not None:
            return _placed(runtime, job, now, earlier.centre_ref)
    refusal = _dial_time_refusal(runtime, job, now)
    if refusal is not None:
        state, retry_at, reason = refusal
        release_attempt(runtime.engine, attempt_id, now, retry_at=retry_at, task_state=state, reason=reason)
        return f"released:{reason}"
    try:
        centre_ref = kind.submit(runtime, job, now)
    except DuplicateSubmission:
        centre_ref = None  # an earlier submission of this very token got through
    except (CenterBusy, CenterUnavailable) as exc:
        retry_at = now + timedelta(seconds=exc.retry_after or CONGESTION_BACKOFF_S)
        release_attempt(runtime.engine, attempt_id, now, retry_at=retry_at, code=exc.code, reason=str(exc))
        return f"congested:{exc.code}"
    except BadParameters as exc:
        if exc.code in BAD_DATA_CODES:
            return _rejected(runtime, job, now, exc)
        return _refused(runtime, job, now, exc)
    except (BadPassword, PaymentRequired) as exc:
        return _refused(runtime, job, now, exc)
    except CallCenterError:
        _expire_lease(runtime, attempt_id, now)
        raise
    return _placed(runtime, job, now, centre_ref)


def _placed(runtime: Runtime, job: DialJob, now: datetime, centre_ref: str | None) -> str:
    mark_placed(
        runtime.engine,
        job.attempt_id,
        now,
        poll_interval_s=runtime.timings.poll_interval_s,
        result_deadline_s=float(job.campaign.result_deadline_s),
        centre_ref=centre_ref,
    )
    log.info("placed %s to %s (attempt %d)", job.token, mask_phone(job.phone), job.attempt_no)
    return "placed"


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


def _dial_time_refusal(
    runtime: Runtime, job: DialJob, now: datetime
) -> tuple[TaskState, datetime | None, str] | None:
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
