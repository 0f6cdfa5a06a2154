"""Placing one attempt at the call centre: dial-time checks, submission, and what a refusal means."""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update

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
from batch_dialer.callcenter.results import CallState, TextToCall
from batch_dialer.campaigns.attempt_ledger import (
    DialJob,
    begin_submit,
    mark_placed,
    release_attempt,
    servicetype_for,
)
from batch_dialer.campaigns.campaign_options import render_tts
from batch_dialer.campaigns.models import CallAttempt, Campaign, DoNotCall, table_of
from batch_dialer.campaigns.task_decision import calling_window_of
from batch_dialer.workers.runtime import Runtime

__all__ = ["place"]

log = logging.getLogger("batch_dialer.workers.placing")
_attempt = table_of(CallAttempt)
_campaign = table_of(Campaign)
_dnc = table_of(DoNotCall)

# How long a centre refusal (486/480/503) keeps the task back before it may be claimed again.
CONGESTION_BACKOFF_S = 2.0


def place(runtime: Runtime, attempt_id: int) -> str:
    """Place attempt `attempt_id` unless something says not to; returns what happened (for logs/tests).

    Transport failures raise, so dramatiq retries the message; the attempt's lease is expired
    first so the retry resubmits with the same token (the centre answers 483 if it got it).
    """
    now = runtime.clock.now()
    job = begin_submit(runtime.engine, attempt_id, now, runtime.timings.claim_lease_s)
    if job is None:
        return "skipped"
    refusal = _dial_time_refusal(runtime, job, now)
    if refusal is not None:
        state, retry_at, reason = refusal
        if job.resubmission and _centre_knows(runtime, job):
            return _placed(runtime, job, now, None)
        release_attempt(runtime.engine, attempt_id, now, retry_at=retry_at, task_state=state, reason=reason)
        return f"released:{reason}"
    try:
        centre_ref = _submit(runtime, job, now)
    except DuplicateSubmission:
        centre_ref = None  # an earlier submission of this very token got through
    except (CenterBusy, CenterUnavailable) as exc:
        retry_at = now + timedelta(seconds=exc.retry_after or CONGESTION_BACKOFF_S)
        release_attempt(runtime.engine, attempt_id, now, retry_at=retry_at, code=exc.code, reason=str(exc))
        return f"congested:{exc.code}"
    except (BadPassword, PaymentRequired, BadParameters) as exc:
        # configuration the operator must fix: stop dialling this campaign, keep the task
        release_attempt(runtime.engine, attempt_id, now, retry_at=now, code=exc.code, reason=str(exc))
        _pause_campaign(runtime, job.campaign_id, f"call centre refused: {exc}")
        log.error("campaign %s paused: %s", job.campaign_id, exc)
        return f"refused:{exc.code}"
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
        result_deadline_s=float(job.campaign["result_deadline_s"]),
        centre_ref=centre_ref,
    )
    log.info("placed %s to %s (attempt %d)", job.token, mask_phone(job.phone), job.attempt_no)
    return "placed"


def _dial_time_refusal(
    runtime: Runtime, job: DialJob, now: datetime
) -> tuple[str, datetime | None, str] | None:
    """(task state, when to try again, why) if this call must not be placed now."""
    campaign = job.campaign
    with runtime.engine.connect() as conn:
        status = conn.scalar(select(_campaign.c.status).where(_campaign.c.id == job.campaign_id))
        on_dnc = conn.scalar(select(_dnc.c.phone).where(_dnc.c.phone == job.phone)) is not None
    if on_dnc:
        return ("dnc", None, "do-not-call")
    if status == "cancelled":
        return ("cancelled", None, "campaign cancelled")
    end_at = campaign.get("end_at")
    if end_at is not None and now >= end_at:
        return ("cancelled", None, "campaign ended")
    if status != "running":
        return ("pending", now, f"campaign {status}")
    window = calling_window_of(campaign)
    if not window.contains(now):
        return ("pending", window.next_open(now), "outside the calling window")
    return None


def _centre_knows(runtime: Runtime, job: DialJob) -> bool:
    """Whether an earlier submission of this token reached the centre (so it must not be dropped)."""
    kind = job.campaign["kind"]
    if kind == "soap_tts":
        return _soap_call_for(runtime, job) is not None
    result = (
        runtime.centre.captcha_result(job.token)
        if kind == "captcha"
        else runtime.centre.tts_call_result(job.token)
    )
    return result.state is not CallState.NOT_FOUND


def _submit(runtime: Runtime, job: DialJob, now: datetime) -> str | None:
    campaign = job.campaign
    kind = campaign["kind"]
    toneid = campaign.get("toneid") or 0
    if kind == "tts":
        texts = {
            var: render_tts(template, job.contact) for var, template in (campaign.get("tts") or {}).items()
        }
        runtime.centre.submit_tts_call(job.token, job.phone, toneid, texts)
        return None
    if kind == "captcha":
        opts: dict[str, Any] = campaign.get("captcha") or {}
        runtime.centre.submit_captcha_call(
            job.token,
            job.phone,
            toneid,
            _captcha_code(runtime, job, opts),
            line="fixed" if opts.get("line") == "fixed" else "ip",
            playtimes=int(opts.get("playtimes") or 1),
            precallcount=int(opts.get("precallcount") or 0),
            extnum=opts.get("extnum") or None,
        )
        return None
    if kind == "soap_tts":
        if job.resubmission:  # makeCall has no token: find an earlier submission by its linkkey
            earlier = _soap_call_for(runtime, job)
            if earlier is not None:
                return earlier
        content = "".join(render_tts(t, job.contact) for t in (campaign.get("tts") or {}).values())
        ref = runtime.soap().make_call(
            TextToCall(
                callee=job.phone,
                content=content,
                calldate=now,
                servicetype=servicetype_for(job.campaign_id, campaign["token_salt"]),
                caller=str((campaign.get("captcha") or {}).get("caller") or ""),
                linkkey=job.attempt_id,
            )
        )
        return str(ref)
    raise ValueError(f"campaign kind {kind!r} cannot be placed")


def _soap_call_for(runtime: Runtime, job: DialJob) -> str | None:
    """The centre's id of a timed call this attempt already created (linkkey = attempt id), if any."""
    servicetype = servicetype_for(job.campaign_id, job.campaign["token_salt"])
    calls = runtime.soap().list_with_token(0, 10, servicetype, job.attempt_id)
    return str(calls[0].id) if calls else None


def _captcha_code(runtime: Runtime, job: DialJob, opts: dict[str, Any]) -> str:
    """The attempt's code: from a contact field or generated; stored once so a resubmission reuses it."""
    if job.code:
        return job.code
    field = opts.get("code_field")
    value = str(job.contact.get(field) or "") if field else ""
    code = (
        value
        if value.isdigit()
        else "".join(secrets.choice("0123456789") for _ in range(int(opts.get("code_digits") or 6)))
    )
    with runtime.engine.begin() as conn:
        conn.execute(
            update(_attempt)
            .where(_attempt.c.id == job.attempt_id, _attempt.c.code.is_(None))
            .values(code=code)
        )
        stored = conn.scalar(select(_attempt.c.code).where(_attempt.c.id == job.attempt_id))
    return str(stored or code)


def _expire_lease(runtime: Runtime, attempt_id: int, now: datetime) -> None:
    with runtime.engine.begin() as conn:
        conn.execute(
            update(_attempt)
            .where(_attempt.c.id == attempt_id, _attempt.c.state == "submitting")
            .values(lease_until=now)
        )


def _pause_campaign(runtime: Runtime, campaign_id: int, reason: str) -> None:
    with runtime.engine.begin() as conn:
        conn.execute(
            update(_campaign)
            .where(_campaign.c.id == campaign_id, _campaign.c.status == "running")
            .values(status="paused", status_reason=reason[:500])
        )
