"""The desk's JSON API (坐席工作台): CTI sign-in, phone-bar state, the next contact, 拨打 / 跳过,
the SDK's events and the disposition; and the manager's agent links, assignments and overview.

The CTI password arrives once per shift, is MD5-ed and sent to the CTI's auth endpoint, and lives
on only inside this process's token keeper; the token goes back to the page in a JSON answer (never
into a page's HTML), and neither is logged or stored.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from batch_dialer.callcenter.cti import CtiAuthRefused, CtiBadCredentials, CtiTokenKeeper, md5_password
from batch_dialer.callcenter.cti.auth_client import CtiGrant
from batch_dialer.callcenter.errors import CallCenterError, CenterUnreachable
from batch_dialer.campaigns.desk_agents import (
    AgentError,
    AgentLink,
    agent_link,
    assign_agents,
    campaign_agents,
    link_agent,
    set_desk_state,
)
from batch_dialer.campaigns.desk_calls import (
    DeskError,
    Disposition,
    PhoneBarEvent,
    dial,
    dispose,
    record_event,
)
from batch_dialer.campaigns.desk_cards import contact_card
from batch_dialer.campaigns.desk_offers import (
    heartbeat,
    offer_next,
    release_undialled,
    skip_offer,
    sweep_expired,
)
from batch_dialer.campaigns.progress import campaign_progress
from batch_dialer.reports.desk_agents import desk_agent_report
from batch_dialer.web.access_store import Identity
from batch_dialer.web.app_state import web_state
from batch_dialer.web.auth import ApiManager, ApiUser
from batch_dialer.web.csrf import check_csrf
from batch_dialer.web.desk_runtime import desk_runtime

__all__ = ["router"]

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api/desk", tags=["desk"])
#: states in which an agent's undialled offer goes back to the queue at once
AWAY_STATES = frozenset({"rest", "offline"})


def _agent(request: Request, identity: ApiUser) -> AgentLink:
    if identity.role != "agent":
        raise HTTPException(403, "只有坐席可以使用工作台 / the desk needs the agent role")
    link = agent_link(web_state(request).engine, identity.name)
    if link is None:
        raise HTTPException(403, "你还没有绑定 CTI 账号，请联系管理员 / no CTI user linked to you yet")
    check_csrf(request, identity)
    return link


Agent = Annotated[AgentLink, Depends(_agent)]


def _manager(request: Request, identity: ApiManager) -> Identity:
    check_csrf(request, identity)
    return identity


Manager = Annotated[Identity, Depends(_manager)]


class CtiSignIn(BaseModel):
    password: str = Field(min_length=1, max_length=200, repr=False)


class StateChange(BaseModel):
    state: str = Field(max_length=16)
    ext_no: str | None = Field(default=None, max_length=32)


class EventIn(BaseModel):
    event: PhoneBarEvent
    callId: str | None = Field(default=None, max_length=128)
    direction: str | None = Field(default=None, max_length=16)


class DispositionIn(BaseModel):
    disposition: Disposition
    csat: int | None = Field(default=None, ge=1, le=5)
    callback_at: datetime | None = None
    note: str | None = Field(default=None, max_length=2000)


class LinkIn(BaseModel):
    user: str = Field(min_length=1, max_length=100)
    cti_username: str = Field(min_length=1, max_length=100)
    ext_no: str | None = Field(default=None, max_length=32)


class AssignIn(BaseModel):
    agents: list[str]


def _grant_json(grant: CtiGrant, request: Request) -> dict[str, Any]:
    runtime = desk_runtime(request)
    return {
        "token": grant.token,
        "ext_no": grant.ext_no,
        "expires_at": grant.expires_at.isoformat(),
        "refresh_at": (grant.expires_at - runtime.refresh_margin).isoformat(),
        "ws_url": runtime.cti.ws,
    }


def _cti_failure(exc: CallCenterError) -> HTTPException:
    if isinstance(exc, CtiBadCredentials):
        return HTTPException(401, "CTI 用户名或密码错误 / the CTI refused the user name or password (code 7)")
    if isinstance(exc, CtiAuthRefused):
        return HTTPException(403, f"CTI 拒绝签入 / the CTI refused the sign-in (code {exc.code})")
    if isinstance(exc, CenterUnreachable):
        return HTTPException(
            502, "连不上 CTI 服务器，请稍后再试或联系管理员 / the CTI server cannot be reached"
        )
    return HTTPException(
        502, f"CTI 服务器应答异常 / unexpected answer from the CTI ({exc.__class__.__name__})"
    )


@router.post("/cti/signin")
async def cti_sign_in(request: Request, body: CtiSignIn, agent: Agent) -> dict[str, Any]:
    """签入 CTI once per shift: our server asks the CTI for the token and keeps it fresh."""
    runtime = desk_runtime(request)
    state = web_state(request)
    keeper = CtiTokenKeeper(
        runtime.auth, agent.cti_username, md5_password(body.password), state.clock.now, runtime.refresh_margin
    )
    try:
        grant = await run_in_threadpool(keeper.current)
    except CallCenterError as exc:
        keeper.forget()
        log.info("CTI sign-in of agent %s failed: %s", agent.name, exc.__class__.__name__)
        raise _cti_failure(exc) from None
    runtime.keep(agent.user_id, keeper)
    await run_in_threadpool(
        set_desk_state, state.engine, agent.user_id, "signed_in", state.clock.now(), grant.ext_no
    )
    return _grant_json(grant, request)


@router.post("/cti/token")
async def cti_token(request: Request, agent: Agent) -> dict[str, Any]:
    """The current token, renewed when it is within the refresh margin of expiresAt."""
    keeper = desk_runtime(request).keeper(agent.user_id)
    if keeper is None:
        raise HTTPException(401, "请重新签入 CTI / sign in to the CTI again")
    try:
        grant = await run_in_threadpool(keeper.current)
    except CallCenterError as exc:
        raise _cti_failure(exc) from None
    return _grant_json(grant, request)


@router.post("/cti/signout")
async def cti_sign_out(request: Request, agent: Agent) -> dict[str, str]:
    desk_runtime(request).forget(agent.user_id)
    state = web_state(request)
    await run_in_threadpool(set_desk_state, state.engine, agent.user_id, "offline", state.clock.now())
    await run_in_threadpool(release_undialled, state.engine, agent.user_id, state.clock.now())
    return {"state": "offline"}


@router.post("/state")
async def change_state(request: Request, body: StateChange, agent: Agent) -> dict[str, str]:
    """The phone bar's state as the SDK reported it (onLogin / onReady / onBusy / onRest …)."""
    state = web_state(request)
    try:
        await run_in_threadpool(
            set_desk_state, state.engine, agent.user_id, body.state, state.clock.now(), body.ext_no
        )
    except AgentError as exc:
        raise HTTPException(422, str(exc)) from None
    if body.state in AWAY_STATES:
        await run_in_threadpool(release_undialled, state.engine, agent.user_id, state.clock.now())
    return {"state": body.state}


@router.post("/heartbeat")
async def desk_heartbeat(request: Request, agent: Agent) -> dict[str, int]:
    state, runtime = web_state(request), desk_runtime(request)
    held = await run_in_threadpool(
        heartbeat, state.engine, agent.user_id, state.clock.now(), runtime.desk.lease_s
    )
    return {"held": held}


@router.post("/next")
async def next_contact(request: Request, agent: Agent) -> dict[str, Any]:
    """The contact this agent holds, or the next one due (``offer`` null: nothing due now)."""
    state, runtime = web_state(request), desk_runtime(request)
    offer = await run_in_threadpool(
        offer_next, state.engine, agent.user_id, state.clock.now(), runtime.desk.lease_s
    )
    if offer is None:
        return {"offer": None, "lease_s": runtime.desk.lease_s}
    card = await run_in_threadpool(contact_card, state.engine, offer.attempt_id)
    return {"offer": card, "lease_s": runtime.desk.lease_s}


def _desk_call(func: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return func(*args, **kwargs)
    except DeskError as exc:
        raise HTTPException(409, str(exc)) from None


@router.post("/offers/{attempt_id}/skip")
async def skip(request: Request, attempt_id: int, agent: Agent) -> dict[str, bool]:
    state = web_state(request)
    done = await run_in_threadpool(skip_offer, state.engine, agent.user_id, attempt_id, state.clock.now())
    if not done:
        raise HTTPException(409, "这个联系人不能跳过（已拨打或已释放）/ cannot skip: dialled or released")
    return {"skipped": True}


@router.post("/offers/{attempt_id}/dial")
async def dial_contact(request: Request, attempt_id: int, agent: Agent) -> dict[str, Any]:
    """拨打: counts the placement and returns the full number for ``ctibar.makecall``."""
    state = web_state(request)
    target = await run_in_threadpool(
        _desk_call, dial, state.engine, agent.user_id, attempt_id, state.clock.now()
    )
    await run_in_threadpool(set_desk_state, state.engine, agent.user_id, "on_call", state.clock.now())
    return {"attempt_id": target.attempt_id, "to": target.phone}


@router.post("/calls/{attempt_id}/events")
async def phone_bar_event(request: Request, attempt_id: int, body: EventIn, agent: Agent) -> dict[str, Any]:
    """onRing / onAnswer / onCalleeAnswer / onHangup of this call (popScreenNo is not kept)."""
    state = web_state(request)
    now = state.clock.now()
    result: dict[str, Any] = await run_in_threadpool(
        _desk_call,
        record_event,
        state.engine,
        agent.user_id,
        attempt_id,
        body.event,
        now,
        body.callId,
        body.direction,
    )
    if body.event is PhoneBarEvent.HANGUP:
        await run_in_threadpool(set_desk_state, state.engine, agent.user_id, "wrap_up", now)
    return result


@router.post("/calls/{attempt_id}/disposition")
async def save_disposition(
    request: Request, attempt_id: int, body: DispositionIn, agent: Agent
) -> dict[str, Any]:
    state = web_state(request)
    decision = await run_in_threadpool(
        _desk_call,
        dispose,
        state.engine,
        agent.user_id,
        attempt_id,
        body.disposition,
        state.clock.now(),
        csat=body.csat,
        callback_at=body.callback_at,
        note=body.note,
    )
    return {
        "task_state": decision.state,
        "next_attempt_at": decision.next_attempt_at.isoformat() if decision.next_attempt_at else None,
    }


@router.post("/agents")
async def link(request: Request, body: LinkIn, manager: Manager) -> dict[str, Any]:
    """Link a web user of role agent to its CTI user name and extension."""
    try:
        done = await run_in_threadpool(
            link_agent, web_state(request).engine, body.user, body.cti_username, body.ext_no
        )
    except AgentError as exc:
        raise HTTPException(422, str(exc)) from None
    return {"user": done.name, "cti_username": done.cti_username, "ext_no": done.ext_no}


@router.put("/campaigns/{campaign_id}/agents")
async def assign(request: Request, campaign_id: int, body: AssignIn, manager: Manager) -> dict[str, Any]:
    state = web_state(request)
    try:
        names = await run_in_threadpool(
            assign_agents, state.engine, campaign_id, body.agents, state.clock.now()
        )
    except AgentError as exc:
        raise HTTPException(422, str(exc)) from None
    return {"campaign_id": campaign_id, "agents": names}


def overview(request: Request, campaign_id: int) -> dict[str, Any]:
    """The manager's view: agents (online, state), per-agent calls and dispositions, progress."""
    state, runtime = web_state(request), desk_runtime(request)
    now = state.clock.now()
    sweep_expired(state.engine, now)
    agents = campaign_agents(state.engine, campaign_id)
    for agent in agents:
        seen = agent.get("last_seen_at")
        agent["online"] = bool(
            seen is not None
            and agent["desk_state"] != "offline"
            and (now - seen).total_seconds() <= runtime.desk.lease_s
        )
        for key in ("state_at", "last_seen_at"):
            agent[key] = agent[key].isoformat() if agent[key] else None
        agent.pop("id", None)
    with state.engine.connect() as conn:
        lines = desk_agent_report(conn, campaign_id).agents
    return {
        "campaign_id": campaign_id,
        "agents": agents,
        "by_agent": [line.as_json() for line in lines],
        "progress": campaign_progress(state.engine, campaign_id),
    }


@router.get("/campaigns/{campaign_id}/overview")
async def campaign_overview(request: Request, campaign_id: int, user: ApiUser) -> dict[str, Any]:
    if user.role == "agent":
        raise HTTPException(403, "this needs the manager or viewer role")
    return await run_in_threadpool(overview, request, campaign_id)
