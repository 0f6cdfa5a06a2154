"""``captcha``: a voice-captcha call under our own id (Guoxin §3 CLICK_TO_IP/FIXEDLINE_CAPTCHA).

Placed exactly once without relying on 483, which §3 does not list among its answers: before an attempt
whose submission may have reached the centre is sent again, GET_CAPTCHA_RESULT is asked for its id, and
only an id the centre does not know is sent again.

Handed to agents (``--extnum``), calls are paced by agents (§3 ``precallcount``: "在坐席全部忙时，还可以
继续预呼叫指定数量的客户"): free agents from EXTNUM_STATE plus ``precallcount``, less our calls in flight.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime
from typing import Any, ClassVar, Literal, cast

from pydantic import Field, field_validator, model_validator

from batch_dialer.callcenter.capabilities import AgentStates, CaptchaCalls, CaptchaResults, LoadMonitor
from batch_dialer.callcenter.results import AgentState, CallState
from batch_dialer.campaigns.campaign_row import CampaignRow
from batch_dialer.campaigns.kinds.base import (
    CampaignKind,
    CentreAccess,
    DialJob,
    KindColumns,
    KindOptions,
    Pacing,
    Placement,
    PollTarget,
    Reading,
)
from batch_dialer.campaigns.kinds.tts import reading_of_centre_result
from batch_dialer.campaigns.submit_ledger import remember_code

__all__ = ["CaptchaKind", "CaptchaOptions", "free_agents"]

#: EXTNUM_STATE ``state`` values of an agent not in a call: §14 writes "IDEL:空闲"; its example answers
#: "ONLINE" for an agent without a call, so both (and the plain spelling IDLE) count as free.
_FREE_STATES = frozenset({"IDEL", "IDLE", "ONLINE"})


class CaptchaOptions(KindOptions):
    toneid: int = Field(ge=0, description="IVR / tone number at the centre", title="语音编号 toneid")
    line: Literal["ip", "fixed"] = Field(default="ip", description="ip | fixed", title="线路")
    playtimes: int = Field(default=1, ge=1, le=10, description="times the tone is played", title="播放次数")
    precallcount: int = Field(
        default=0, ge=0, le=1000, description="calls ahead when agents are busy", title="预拨数 precallcount"
    )
    extnum: str | None = Field(
        default=None, pattern=r"^\d{1,20}$", description="extension/group to transfer to", title="转接分机/组"
    )
    code_field: str | None = Field(
        default=None, description="contact field holding the code", title="验证码字段"
    )
    code_digits: int | None = Field(
        default=None, ge=4, le=10, description="length of a generated code", title="验证码位数"
    )

    @field_validator("code_field")
    @classmethod
    def _code_field(cls, value: str | None) -> str | None:
        if value is not None and not value.strip().isidentifier():
            raise ValueError(f"--code-field {value!r}: not a field name")
        return None if value is None else value.strip()

    @model_validator(mode="after")
    def _one_code_source(self) -> CaptchaOptions:
        if self.code_field is not None and self.code_digits is not None:
            raise ValueError("--code-digits: give either --code-field or --code-digits, not both")
        return self

    def columns(self) -> KindColumns:
        return KindColumns(
            toneid=self.toneid,
            settings={
                "line": self.line,
                "playtimes": self.playtimes,
                "precallcount": self.precallcount,
                "extnum": self.extnum,
                "code_field": self.code_field,
                "code_digits": None if self.code_field else (self.code_digits or 6),
            },
        )


def free_agents(agents: Sequence[AgentState], extnum: str) -> int:
    """Agents that can take a call handed to ``extnum``: that one agent, or (a group number) any agent.
    Free = registered, presence online, and not in a call."""

    def free(agent: AgentState) -> bool:
        return (
            agent.registered
            and agent.presence.strip().lower() == "online"
            and agent.state.strip().upper() in _FREE_STATES
        )

    named = [a for a in agents if a.tel_num == extnum]
    return sum(1 for a in (named or agents) if free(a))


class CaptchaKind(CampaignKind):
    name: ClassVar[str] = "captcha"
    summary: ClassVar[str] = "voice captcha call (§3 CLICK_TO_*_CAPTCHA)"
    label: ClassVar[str] = "语音验证码"
    reports_delivery: ClassVar[bool] = True
    options: ClassVar[type[KindOptions]] = CaptchaOptions
    required_capabilities: ClassVar[frozenset[type]] = frozenset(
        {CaptchaCalls, CaptchaResults, LoadMonitor, AgentStates}
    )

    def pacing(self, campaign: CampaignRow) -> Pacing:
        return Pacing.AGENTS if campaign.settings.get("extnum") else Pacing.TRUNK

    def agent_room(self, access: CentreAccess, campaign: CampaignRow, in_flight: int) -> int:
        agents = cast(AgentStates, access.provider(AgentStates)).agent_states()
        extnum = str(campaign.settings.get("extnum") or "")
        ahead = int(campaign.settings.get("precallcount") or 0)
        return max(0, free_agents(agents, extnum) + ahead - in_flight)

    def submit(self, access: CentreAccess, job: DialJob, now: datetime) -> str | None:
        opts = job.campaign.settings
        cast(CaptchaCalls, access.provider(CaptchaCalls)).submit_captcha_call(
            job.token,
            job.phone,
            job.campaign.toneid or 0,
            self._code(access, job),
            line="fixed" if opts.get("line") == "fixed" else "ip",
            playtimes=int(opts.get("playtimes") or 1),
            precallcount=int(opts.get("precallcount") or 0),
            extnum=opts.get("extnum") or None,
        )
        return None

    def find_at_centre(self, access: CentreAccess, job: DialJob) -> Placement | None:
        result = cast(CaptchaResults, access.provider(CaptchaResults)).captcha_result(job.token)
        return None if result.state is CallState.NOT_FOUND else Placement()

    def read_result(self, access: CentreAccess, target: PollTarget) -> Reading:
        result = cast(CaptchaResults, access.provider(CaptchaResults)).captcha_result(target.token)
        return reading_of_centre_result(result, wait_for_keys=False)

    @staticmethod
    def _code(access: CentreAccess, job: DialJob) -> str:
        """From a contact field or generated; stored once so a resubmission sends the same code."""
        if job.code:
            return job.code
        opts: dict[str, Any] = dict(job.campaign.settings)
        field = opts.get("code_field")
        value = str(job.contact.get(field) or "") if field else ""
        digits = int(opts.get("code_digits") or 6)
        code = value if value.isdigit() else "".join(secrets.choice("0123456789") for _ in range(digits))
        return remember_code(access.engine, job.attempt_id, code)
