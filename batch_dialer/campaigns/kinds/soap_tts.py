"""``soap_tts``: a timed text-to-speech call the centre places and retries itself (Guoxin §26).

§26 table 6-1 gives the states "WAITING: 定时等待中 TRYING: 开始呼叫 CONFIRM: 播放成功 RING_TIME_OUT: 振铃超时
CALL_FAILED: 尝试 3 次失败" and ``calltime`` "重复呼叫次数，默认尝试 3 次不接通，则放弃". So CONFIRM and
CALL_FAILED end a call; RING_TIME_OUT ends it only once the centre has made its last try (``calltime`` ≥ 3,
the documented default; a ring time-out between tries does not). Every dial the centre made (``calltime``)
counts toward the per-number cap and the contact's attempts.

``makeCall`` takes no token of ours: an attempt is tagged with the campaign's ``servicetype`` and its own
id as ``linkkey`` (an Integer, §26.3.3), which is how an earlier submission is found again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import ClassVar, cast

from pydantic import Field, ValidationInfo, field_validator

from batch_dialer.callcenter.capabilities import LoadMonitor, TimedTtsCalls
from batch_dialer.callcenter.errors import CallCenterError
from batch_dialer.callcenter.results import TextToCall, TextToCallState
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
from batch_dialer.campaigns.poll_ledger import servicetype_for
from batch_dialer.campaigns.tts_templates import render_tts

__all__ = ["CENTRE_TRIES", "SoapTtsKind", "SoapTtsOptions", "reading_of_timed_call"]

#: §26 ``calltime``: "默认尝试 3 次不接通，则放弃" — the centre's own tries per call.
CENTRE_TRIES = 3
_PAGE = 500


class SoapTtsOptions(KindOptions):
    text: str = Field(
        description="the text read to the callee (placeholders such as {name})", title="朗读文本"
    )
    caller: str | None = Field(
        default=None, pattern=r"^\d{1,20}$", description="extension whose line is used", title="主叫分机"
    )

    @field_validator("text")
    @classmethod
    def _text(cls, value: str, info: ValidationInfo) -> str:
        if not value.strip():
            raise ValueError("--text: required for --kind soap_tts")
        check_template("--text", value, info)
        return value

    def columns(self) -> KindColumns:
        return KindColumns(
            tts={"content": self.text}, settings={"caller": self.caller} if self.caller else None
        )

    def templates(self) -> dict[str, str]:
        return {"text": self.text}


def reading_of_timed_call(call: TextToCall | None) -> Reading:
    """One Texttocal row → reading (None: the centre has not listed it yet)."""
    if call is None or call.state is None:
        return Reading(ReadingStatus.PENDING)
    dials = max(1, call.calltime or 0)
    state = call.state
    if state is TextToCallState.CONFIRM:
        return Reading(ReadingStatus.FINAL, Outcome.ANSWERED, dials=dials)
    if state is TextToCallState.CALL_FAILED:
        return Reading(ReadingStatus.FINAL, Outcome.FAILED, dials=dials)
    if state is TextToCallState.RING_TIME_OUT and dials >= CENTRE_TRIES:
        return Reading(ReadingStatus.FINAL, Outcome.NO_ANSWER, dials=dials)
    return Reading(ReadingStatus.PENDING, dials=dials)  # WAITING, TRYING, or a time-out between tries


class SoapTtsKind(CampaignKind):
    name: ClassVar[str] = "soap_tts"
    poll_step: ClassVar[int | None] = None  # one bulk read covers the whole batch
    summary: ClassVar[str] = "timed TTS call the centre retries itself (§26 TextToCallService)"
    label: ClassVar[str] = "定时语音 (SOAP)"
    options: ClassVar[type[KindOptions]] = SoapTtsOptions
    required_capabilities: ClassVar[frozenset[type]] = frozenset({TimedTtsCalls, LoadMonitor})

    def submit(self, access: CentreAccess, job: DialJob, now: datetime) -> str | None:
        campaign = job.campaign
        content = "".join(render_tts(t, job.contact) for t in (campaign.tts or {}).values())
        ref = cast(TimedTtsCalls, access.provider(TimedTtsCalls)).make_call(
            TextToCall(
                callee=job.phone,
                content=content,
                calldate=now,
                servicetype=servicetype_for(job.campaign_id, campaign.token_salt),
                caller=str(campaign.settings.get("caller") or ""),
                linkkey=job.attempt_id,
            )
        )
        return str(ref)

    def find_at_centre(self, access: CentreAccess, job: DialJob) -> Placement | None:
        servicetype = servicetype_for(job.campaign_id, job.campaign.token_salt)
        calls = cast(TimedTtsCalls, access.provider(TimedTtsCalls)).list_with_token(
            0, 10, servicetype, job.attempt_id
        )
        return Placement(str(calls[0].id)) if calls else None

    def read_results(
        self, access: CentreAccess, targets: Sequence[PollTarget]
    ) -> Mapping[int, Reading | CallCenterError]:
        """One listWithToken per campaign (paged) covers every timed call of that campaign."""
        out: dict[int, Reading | CallCenterError] = {}
        for servicetype in {t.servicetype for t in targets}:
            mine = [t for t in targets if t.servicetype == servicetype]
            try:
                rows = self._listing(access, servicetype)
            except CallCenterError as exc:
                out.update({t.attempt_id: exc for t in mine})
                continue
            out.update({t.attempt_id: reading_of_timed_call(rows.get(t.centre_ref or "")) for t in mine})
        return out

    @staticmethod
    def _listing(access: CentreAccess, servicetype: str) -> dict[str, TextToCall]:
        rows: dict[str, TextToCall] = {}
        first = 0
        while True:
            page = cast(TimedTtsCalls, access.provider(TimedTtsCalls)).list_with_token(
                first, _PAGE, servicetype, None
            )
            rows.update({str(call.id): call for call in page})
            if len(page) < _PAGE:
                return rows
            first += len(page)
