"""What the agent sees about the offered contact: fields, the number masked, and earlier attempts.

The full number never goes into the card: the desk receives it only from 拨打 (for ``makecall``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select

from batch_dialer.callcenter.masking import mask_phone
from batch_dialer.campaigns.access_models import User
from batch_dialer.campaigns.desk_models import DeskCall, DeskReservation
from batch_dialer.campaigns.models import CallAttempt, CallTask, Campaign, Contact, Opportunity, table_of
from batch_dialer.campaigns.tts_templates import render_tts

__all__ = ["contact_card"]

_task = table_of(CallTask)
_attempt = table_of(CallAttempt)
_campaign = table_of(Campaign)
_contact = table_of(Contact)
_opp = table_of(Opportunity)
_desk = table_of(DeskCall)
_user = table_of(User)
_reservation = table_of(DeskReservation)
HISTORY_LIMIT = 20


def contact_card(engine: Engine, attempt_id: int) -> dict[str, Any]:
    """The offered contact (JSON-ready): campaign, contact fields, masked number and history."""
    with engine.connect() as conn:
        row = conn.execute(
            select(
                _attempt.c.id,
                _attempt.c.phone,
                _attempt.c.attempt_no,
                _task.c.id.label("task_id"),
                _task.c.contact_id,
                _campaign.c.id.label("campaign_id"),
                _campaign.c.name.label("campaign"),
                _campaign.c.audience,
                _campaign.c.key_labels,
                _campaign.c.tz,
                _campaign.c.captcha.label("settings"),
                _desk.c.lease_until,
                _desk.c.dialled_at,
                _desk.c.hung_up_at,
            )
            .join(_task, _task.c.id == _attempt.c.task_id)
            .join(_campaign, _campaign.c.id == _attempt.c.campaign_id)
            .join(_desk, _desk.c.attempt_id == _attempt.c.id)
            .where(_attempt.c.id == attempt_id)
        ).one()
        contact = conn.execute(select(_contact).where(_contact.c.id == row.contact_id)).one()
        products = (row.audience or {}).get("products") or []
        query = select(_opp.c.product, _opp.c.comment).where(_opp.c.contact_id == row.contact_id)
        if products:
            query = query.where(_opp.c.product.in_(products))
        opp = conn.execute(query.order_by(_opp.c.id).limit(1)).first()
        callback = conn.execute(
            select(_reservation.c.due_at).where(_reservation.c.task_id == row.task_id)
        ).first()
        earlier = conn.execute(
            select(
                _attempt.c.id,
                _attempt.c.placed_at,
                _attempt.c.outcome,
                _attempt.c.state,
                _campaign.c.name.label("campaign"),
                _desk.c.disposition,
                _desk.c.csat,
                _desk.c.note,
                _desk.c.talk_s,
                _user.c.name.label("agent"),
            )
            .join(_campaign, _campaign.c.id == _attempt.c.campaign_id)
            .outerjoin(_desk, _desk.c.attempt_id == _attempt.c.id)
            .outerjoin(_user, _user.c.id == _desk.c.agent_id)
            .where(
                _attempt.c.phone == row.phone, _attempt.c.id != attempt_id, _attempt.c.placed_at.is_not(None)
            )
            .order_by(_attempt.c.placed_at.desc())
            .limit(HISTORY_LIMIT)
        ).all()
    extra = {str(k): "" if v is None else str(v) for k, v in (contact.extra or {}).items()}
    fields: dict[str, object] = {
        **extra,
        "name": contact.name or "",
        "company": contact.company or "",
        "product": opp.product if opp else "",
        "phone_masked": mask_phone(row.phone),
    }
    script = str((row.settings or {}).get("script") or "")
    return {
        "attempt_id": row.id,
        "attempt_no": row.attempt_no,
        "campaign_id": row.campaign_id,
        "campaign": row.campaign,
        "tz": row.tz,
        "name": contact.name or "",
        "company": contact.company or "",
        "product": opp.product if opp else "",
        "note": (opp.comment or "") if opp else "",
        "extra": extra,
        "phone_masked": mask_phone(row.phone),
        "script": render_tts(script, fields) if script else "",
        "lease_until": row.lease_until.isoformat() if row.lease_until else None,
        "dialled": row.dialled_at is not None,
        "hung_up": row.hung_up_at is not None,
        "callback_due": callback.due_at.isoformat() if callback else None,
        "key_labels": row.key_labels or {},
        "history": [
            {
                "at": h.placed_at.isoformat() if h.placed_at else None,
                "campaign": h.campaign,
                "outcome": h.outcome or h.state,
                "disposition": h.disposition,
                "csat": h.csat,
                "note": h.note or "",
                "talk_s": h.talk_s,
                "agent": h.agent,
            }
            for h in earlier
        ],
    }
