"""The interface every campaign kind implements: the engine asks the kind, never ``if kind == …``.

A kind says what options it takes (a pydantic model: the CLI flags and web form fields are derived from
its fields), what the centre must be able to do (capability protocols), what paces it (trunk channels or
agents), how one attempt is submitted, how an earlier submission is found at the centre before a
resubmission, and how the centre's results become outcomes.

Designed for the kinds that come next: a ``callback`` kind (800ing) is paced by agents
(``Pacing.AGENTS`` + ``agent_room`` from free agent accounts, under ``--channels``) and learns results
from push events — its ``read_results`` answers PENDING until an event handler has recorded the outcome
through the ledger; a ``preview`` kind (CTI phone bar) is ``Pacing.PEOPLE`` and its results are the
agents' dispositions.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar, Protocol

from pydantic import BaseModel, ConfigDict, ValidationInfo
from sqlalchemy import Engine

from batch_dialer.callcenter.errors import CallCenterError
from batch_dialer.campaigns.attempt_states import Outcome
from batch_dialer.campaigns.campaign_row import CampaignRow
from batch_dialer.campaigns.tts_templates import BUILTIN_FIELDS, template_placeholders

__all__ = [
    "CampaignKind",
    "CentreAccess",
    "DialJob",
    "KindColumns",
    "KindOptions",
    "Pacing",
    "Placement",
    "PollTarget",
    "Reading",
    "ReadingStatus",
    "check_template",
]


class Pacing(StrEnum):
    """What limits how many calls of a campaign may be in flight."""

    TRUNK = "trunk"  # free trunk channels (the centre's monitor) and --channels
    AGENTS = "agents"  # free agents (plus any calls the centre may place ahead of them)
    PEOPLE = "people"  # a person starts each call (preview dialling): the pacer claims nothing itself


class ReadingStatus(StrEnum):
    PENDING = "pending"  # not final yet: poll again (until the result deadline)
    NOT_FOUND = "not_found"  # the centre does not know the call (yet)
    AWAITING_KEYS = "awaiting_keys"  # answered; keys may still come until the IVR's longest duration
    FINAL = "final"


@dataclass(frozen=True, slots=True)
class Reading:
    """What the centre said about one placed attempt, in the engine's words."""

    status: ReadingStatus
    outcome: Outcome | None = None
    centre_state: int | None = None
    keys: dict[str, str] | None = None
    dials: int = 1  # how often the centre dialled the number for this attempt (its own retries included)


@dataclass(frozen=True, slots=True)
class Placement:
    """An earlier submission of this attempt that the centre knows (with its id there, if it has one)."""

    centre_ref: str | None = None


@dataclass(frozen=True)
class DialJob:
    """All a worker needs to place one attempt."""

    attempt_id: int
    task_id: int
    campaign_id: int
    token: str
    phone: str
    attempt_no: int
    resubmission: bool  # an earlier submission may have reached the centre
    campaign: CampaignRow
    contact: dict[str, Any]
    code: str | None
    on_dnc: bool = False  # the number is on the do-not-call list (read in the same transaction)


@dataclass(frozen=True)
class PollTarget:
    attempt_id: int
    task_id: int
    campaign_id: int
    kind: str
    token: str
    centre_ref: str | None
    placed_at: datetime
    answered_at: datetime | None
    poll_deadline: datetime | None
    ivr_max_seconds: int
    servicetype: str


class CentreAccess(Protocol):
    """What a kind may use while placing or reading: the database and the centre's capabilities."""

    @property
    def engine(self) -> Engine: ...

    def provider(self, capability: type) -> object:
        """The object implementing ``capability`` (the centre's adapter or a companion client)."""


@dataclass(frozen=True, slots=True)
class KindColumns:
    """The campaign columns a kind fills: the tone, the TTS templates and its own settings (JSON)."""

    toneid: int | None = None
    tts: dict[str, str] | None = None
    settings: dict[str, Any] | None = None


class KindOptions(BaseModel):
    """A kind's own options. Field names are the CLI option names (``_`` → ``-``); a field's
    ``description`` is its help text and ``title`` its label in the web form. ``int``/``str``/``Literal``
    fields become single values, ``list``/``dict`` fields repeatable ones (``dict`` as ``KEY=VALUE``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    def columns(self) -> KindColumns:
        raise NotImplementedError

    def templates(self) -> dict[str, str]:
        """The texts with ``{placeholders}`` this campaign reads to callees (for the preview)."""
        return {}


def check_template(option: str, template: str, info: ValidationInfo) -> None:
    """A template's placeholders are field names, and known ones when the caller knows the fields."""
    try:
        names = template_placeholders(template)
    except ValueError as exc:
        raise ValueError(f"{option}: {exc}") from None
    extra = (info.context or {}).get("extra_fields")
    if extra is None:
        return
    known = set(BUILTIN_FIELDS) | set(extra)
    for name in names:
        if name not in known:
            raise ValueError(f"{option}: unknown placeholder {{{name}}} (known: {', '.join(sorted(known))})")


class CampaignKind(ABC):
    """One kind of campaign. Instances are stateless; the registry holds one of each."""

    name: ClassVar[str]
    summary: ClassVar[str]  # one line for help texts
    label: ClassVar[str]  # how the web console names it
    reports_delivery: ClassVar[bool] = False  # reports show delivery (answered or not), not keys
    options: ClassVar[type[KindOptions]]
    required_capabilities: ClassVar[frozenset[type]]
    #: targets one ``read_results`` call takes before the poll batch checks its time budget: 1 for a
    #: kind that asks the centre about each call in turn, None for one that reads a batch in bulk
    poll_step: ClassVar[int | None] = 1

    def pacing(self, campaign: CampaignRow) -> Pacing:
        return Pacing.TRUNK

    def agent_room(self, access: CentreAccess, campaign: CampaignRow, in_flight: int) -> int:
        """For kinds paced by agents: how many more calls may start now."""
        raise NotImplementedError(f"{self.name} is not paced by agents")

    @abstractmethod
    def submit(self, access: CentreAccess, job: DialJob, now: datetime) -> str | None:
        """Send the attempt to the centre; returns the centre's id for it when the centre makes one.
        Raises CallCenterError subclasses (DuplicateSubmission: an earlier submission got through)."""

    @abstractmethod
    def find_at_centre(self, access: CentreAccess, job: DialJob) -> Placement | None:
        """Whether an earlier submission of this attempt reached the centre (None: the centre does not
        know it, so sending it again cannot dial the callee twice)."""

    def read_results(
        self, access: CentreAccess, targets: Sequence[PollTarget]
    ) -> Mapping[int, Reading | CallCenterError]:
        """Each placed attempt's reading by attempt id; a failed read is returned, not raised."""
        out: dict[int, Reading | CallCenterError] = {}
        for target in targets:
            try:
                out[target.attempt_id] = self.read_result(access, target)
            except CallCenterError as exc:
                out[target.attempt_id] = exc
        return out

    def read_result(self, access: CentreAccess, target: PollTarget) -> Reading:
        raise NotImplementedError
