"""``preview``: people dial — each contact is offered on an agent's desk (坐席工作台, the CTI phone bar
of seed 003) and the agent presses 拨打; results are the agents' dispositions.

Paced by people (``Pacing.PEOPLE``): the pacer claims nothing; ``campaigns/desk_offers.py`` offers one due
contact to one signed-in agent at a time under a lease, and ``campaigns/desk_calls.py`` records the phone
bar's events and turns dispositions into outcomes through the same policy as robot calls. Nothing is
submitted to a call centre by the engine, so the kind needs no centre capability.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from pydantic import Field, ValidationInfo, field_validator

from batch_dialer.callcenter.errors import OperationRefused
from batch_dialer.campaigns.campaign_row import CampaignRow
from batch_dialer.campaigns.kinds.base import (
    CampaignKind,
    CentreAccess,
    DialJob,
    KindColumns,
    KindOptions,
    Pacing,
    Placement,
    check_template,
)

__all__ = ["PreviewKind", "PreviewOptions"]


class PreviewOptions(KindOptions):
    script: str = Field(
        default="",
        max_length=2000,
        description='what the agent says, shown on the desk ("您好{name}，…"; {placeholders} allowed)',
        title="话术（显示在坐席工作台，可用 {name} {company} {product} 等占位符）",
    )

    @field_validator("script")
    @classmethod
    def _script(cls, value: str, info: ValidationInfo) -> str:
        check_template("--script", value, info)
        return value.strip()

    def columns(self) -> KindColumns:
        return KindColumns(settings={"script": self.script} if self.script else None)

    def templates(self) -> dict[str, str]:
        return {"话术": self.script} if self.script else {}


class PreviewKind(CampaignKind):
    name: ClassVar[str] = "preview"
    summary: ClassVar[str] = "agents dial from the desk (CTI phone bar); results are their dispositions"
    label: ClassVar[str] = "坐席预览外呼 (CTI 电话条)"
    options: ClassVar[type[KindOptions]] = PreviewOptions
    required_capabilities: ClassVar[frozenset[type]] = frozenset()

    def pacing(self, campaign: CampaignRow) -> Pacing:
        return Pacing.PEOPLE

    def submit(self, access: CentreAccess, job: DialJob, now: datetime) -> str | None:
        raise OperationRefused("preview calls are placed by agents on the desk, never by a worker")

    def find_at_centre(self, access: CentreAccess, job: DialJob) -> Placement | None:
        return None
