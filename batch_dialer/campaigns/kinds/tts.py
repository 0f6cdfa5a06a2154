"""``tts``: an IVR call under our token, TTS variables filled per contact (Guoxin §18 IVR_TTS_CALL).

Results come by token (IVR_TTS_CALL_RESULT). A centre may say ``state=1`` as soon as the callee answers
and add the keys only when they are pressed, so an answered call without keys waits for keys until the
IVR's longest duration has passed.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, ClassVar, cast

from pydantic import Field, ValidationInfo, field_validator

from batch_dialer.callcenter.capabilities import LoadMonitor, TtsCalls, TtsResults
from batch_dialer.callcenter.results import CallResult, CallState
from batch_dialer.campaigns.attempt_states import Outcome
from batch_dialer.campaigns.kinds.base import (
    CampaignKind,
    CentreAccess,
    DialJob,
    KindColumns,
    KindOptions,
    Placement,
    PollTarget,
    Reading,
    ReadingStatus,
    check_template,
)
from batch_dialer.campaigns.opt_out import check_optout_key
from batch_dialer.campaigns.option_values import pairs
from batch_dialer.campaigns.outcome_policy import outcome_from_centre_state
from batch_dialer.campaigns.tts_templates import render_tts

__all__ = ["TtsKind", "TtsOptions", "reading_of_centre_result"]

_TTS_VAR = re.compile(r"^tts[A-Za-z0-9_]+$")


class TtsOptions(KindOptions):
    toneid: int = Field(ge=0, description="IVR / tone number at the centre", title="语音编号 toneid")
    tts: dict[str, str] = Field(
        default_factory=dict,
        description='ttsVAR="text with {name}" (repeatable)',
        title="TTS 变量（每行 ttsXXX=文本，可用 {name} {company} {product} {phone_masked} 等占位符）",
    )

    optout_key: str | None = Field(
        default=None,
        description="key meaning 'never call again' (9 or satisfact=9): the number goes on the DNC list",
        title="拒绝来电按键（如 9 = 不再来电，按下即加入免打扰名单）",
    )

    @field_validator("optout_key")
    @classmethod
    def _optout(cls, value: str | None) -> str | None:
        return check_optout_key(value)

    @field_validator("tts", mode="before")
    @classmethod
    def _tts_pairs(cls, value: Any) -> Any:
        return pairs(value, "--tts", 'ttsVAR="template"')

    @field_validator("tts")
    @classmethod
    def _tts(cls, value: dict[str, str], info: ValidationInfo) -> dict[str, str]:
        for var, template in value.items():
            if not _TTS_VAR.match(var):
                raise ValueError(f"--tts {var!r}: variable names start with 'tts' (e.g. ttsabc)")
            check_template(f"--tts {var}", template, info)
        return value

    def columns(self) -> KindColumns:
        settings = {"optout_key": self.optout_key} if self.optout_key else None
        return KindColumns(toneid=self.toneid, tts=dict(self.tts) or None, settings=settings)

    def templates(self) -> dict[str, str]:
        return dict(self.tts)


def reading_of_centre_result(result: CallResult, *, wait_for_keys: bool) -> Reading:
    """§3/§18 result ``state`` → reading; an answered call without keys may still get keys."""
    state = result.state
    if state is CallState.NOT_FOUND:
        return Reading(ReadingStatus.NOT_FOUND, centre_state=int(state))
    if state is CallState.ANSWERED:
        if result.keys or not wait_for_keys:
            return Reading(ReadingStatus.FINAL, Outcome.ANSWERED, int(state), dict(result.keys) or None)
        return Reading(ReadingStatus.AWAITING_KEYS, centre_state=int(state))
    outcome = outcome_from_centre_state(int(state))
    if outcome is None:
        return Reading(ReadingStatus.PENDING, centre_state=int(state))
    return Reading(ReadingStatus.FINAL, outcome, int(state), dict(result.keys) or None)


class TtsKind(CampaignKind):
    name: ClassVar[str] = "tts"
    summary: ClassVar[str] = "IVR call with TTS variables (§18 IVR_TTS_CALL)"
    label: ClassVar[str] = "语音通知 / 满意度回访 (TTS)"
    options: ClassVar[type[KindOptions]] = TtsOptions
    required_capabilities: ClassVar[frozenset[type]] = frozenset({TtsCalls, TtsResults, LoadMonitor})

    def submit(self, access: CentreAccess, job: DialJob, now: datetime) -> str | None:
        texts = {var: render_tts(template, job.contact) for var, template in (job.campaign.tts or {}).items()}
        cast(TtsCalls, access.provider(TtsCalls)).submit_tts_call(
            job.token, job.phone, job.campaign.toneid or 0, texts
        )
        return None

    def find_at_centre(self, access: CentreAccess, job: DialJob) -> Placement | None:
        result = cast(TtsResults, access.provider(TtsResults)).tts_call_result(job.token)
        return None if result.state is CallState.NOT_FOUND else Placement()

    def read_result(self, access: CentreAccess, target: PollTarget) -> Reading:
        return reading_of_centre_result(
            cast(TtsResults, access.provider(TtsResults)).tts_call_result(target.token), wait_for_keys=True
        )
