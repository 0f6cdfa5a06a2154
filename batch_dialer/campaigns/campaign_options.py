"""Everything `dialer campaign create` accepts, validated into `Campaign` columns.

Build with :meth:`CampaignOptions.build` to get :class:`CampaignOptionsError`, a one-line message naming
the option (``--window '9-21': expected HH:MM-HH:MM``), instead of pydantic's multi-line report.

The options every campaign has live here; each kind's own options (``--toneid``, ``--tts``, ``--text``,
``--extnum`` …) live in its module under ``kinds/`` and are validated by its options model, so nothing
about a kind is written here. ``option_fields()`` lists every option for the CLI and the web form.

Choices: the audience filters combine as AND across options and OR within one (``--tag a --tag b``);
``--all`` excludes the filters. ``--start`` and ``--cron`` exclude each other. Naive ``--start``/``--end``
are local to ``--tz``. ``--ivr-max`` (how long keys may still come after an answer) is 1..3600 s.
``render_tts`` and friends live in ``tts_templates`` and are re-exported here.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime
from typing import Any

from apscheduler.triggers.cron import CronTrigger
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.fields import FieldInfo

from batch_dialer.campaigns.calling_window import CallingWindow, parse_window, parse_zone
from batch_dialer.campaigns.kinds.base import KindOptions
from batch_dialer.campaigns.kinds.registry import KINDS, UnknownKind, kind_named
from batch_dialer.campaigns.option_values import option_name, pairs
from batch_dialer.campaigns.retry_schedule import RetrySchedule, parse_cap, parse_rate
from batch_dialer.campaigns.tts_templates import (
    BUILTIN_FIELDS,
    contact_fields,
    render_tts,
    template_placeholders,
)

__all__ = [
    "BUILTIN_FIELDS",
    "CampaignOptions",
    "CampaignOptionsError",
    "contact_fields",
    "kind_option_fields",
    "option_fields",
    "render_tts",
    "template_placeholders",
]


class CampaignOptionsError(ValueError):
    """A one-line message naming the bad option; safe to print as is."""


def _named(option: str, exc: Exception) -> ValueError:
    """Prefix a parser's message (``window '9-21': …``) with the option's dashes."""
    message = str(exc)
    word = option.lstrip("-")
    return ValueError("--" + message if message.startswith(word + " ") else f"{option}: {message}")


def _moment(value: Any, option: str, tz_name: str | None) -> datetime | None:
    if value is None or isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value).strip())
        except ValueError:
            raise ValueError(
                f"{option} {str(value)[:40]!r}: expected a date and time such as 2024-05-01 19:00"
            ) from None
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=parse_zone(tz_name or "Asia/Shanghai"))
    return moment.astimezone(UTC)


def _cron(value: str | None, option: str, tz_name: str | None) -> str | None:
    if value is None:
        return None
    text = " ".join(value.split())
    try:
        CronTrigger.from_crontab(text, timezone=parse_zone(tz_name or "Asia/Shanghai"))
    except ValueError as exc:
        raise ValueError(f"{option} {value!r}: {exc}") from None
    return text


class CampaignOptions(BaseModel):
    """The validated options of one campaign; field names follow the CLI options. ``settings`` holds the
    kind's own options, validated by the kind's model."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=200)
    kind: str = Field(description=" | ".join(KINDS))
    settings: KindOptions = Field(exclude=True)
    # audience
    batch: list[int] = Field(default_factory=list, description="import batch id (repeatable)")
    tag: list[str] = Field(default_factory=list, description="contact tag (repeatable)")
    product: list[str] = Field(default_factory=list, description="opportunity product (repeatable)")
    all_contacts: bool = Field(default=False, description="every contact")
    # timing (tz first: the others are read in it)
    tz: str = Field(default="Asia/Shanghai", description="campaign time zone")
    start: datetime | None = Field(default=None, description="YYYY-MM-DD HH:MM (campaign tz)")
    cron: str | None = Field(default=None, description='nightly runs, e.g. "0 19 * * mon-fri"')
    end: datetime | None = Field(default=None, description="YYYY-MM-DD HH:MM (campaign tz)")
    window: list[str] = Field(default_factory=list, description="calling window HH:MM-HH:MM (repeatable)")
    days: str | None = Field(
        default=None, description="e.g. mon-fri; cn-workdays (工作日) follows the official Chinese calendar"
    )
    # policy
    max_attempts: int = Field(default=3, ge=1, le=20, description="placements per contact at most")
    retry: list[str] = Field(default_factory=list, description="e.g. busy=10m,30m,60m (repeatable)")
    cap: str | None = Field(default=None, description="calls per number across campaigns, e.g. 5/24h")
    # limits
    channels: int = Field(default=10, ge=1, le=10000, description="trunk channels this campaign may use")
    max_queue: int = Field(default=0, ge=0, description="hold back while the agent queue reaches this")
    rate: str | None = Field(default=None, description="ceiling, e.g. 60/min")
    priority: int = Field(default=1, ge=1, le=100, description="share of channels against other campaigns")
    ivr_max: int = Field(default=180, ge=1, le=3600, description="seconds keys may still arrive after answer")
    # reports
    report_cron: str | None = Field(default=None, description="export the report on this cron")
    report_dir: str | None = Field(default=None, description="where scheduled reports go")
    key_label: dict[str, str] = Field(default_factory=dict, description="key=label, e.g. 1=非常满意")

    # -- construction ----------------------------------------------------------------------------

    @classmethod
    def build(cls, *, extra_fields: Collection[str] | None = None, **values: Any) -> CampaignOptions:
        """Validate CLI values. With ``extra_fields`` (the contact extra fields known to exist) a TTS
        placeholder must be a built-in or one of them; without it any field name is accepted."""
        common = {k: v for k, v in values.items() if k in _COMMON}
        # a kind's option given empty (None, [], {}) is as if not given: the CLI and forms send those
        own = {k: v for k, v in values.items() if k not in _COMMON and v not in (None, [], {})}
        kind_name = str(values.get("kind") or "")
        context = {"extra_fields": extra_fields}
        errors: list[str] = []
        settings: KindOptions | None = None
        try:
            kind = kind_named(kind_name)
        except UnknownKind as exc:
            raise CampaignOptionsError(str(exc)) from None
        for field in own:
            if field not in kind.options.model_fields:
                errors.append(_not_for_kind(field, kind_name))
        if not errors:
            try:
                settings = kind.options.model_validate(own, context=context)
            except ValidationError as exc:
                errors.append(_one_line(exc, kind_name))
        try:
            return cls.model_validate({**common, "settings": settings}, context=context)
        except ValidationError as exc:
            common_errors = _one_line(exc, None, skip=("settings",))
            raise CampaignOptionsError("; ".join(e for e in (*errors, common_errors) if e)) from None

    # -- field checks ----------------------------------------------------------------------------

    @field_validator("tz")
    @classmethod
    def _tz(cls, value: str) -> str:
        try:
            parse_zone(value)
        except ValueError:
            raise ValueError(f"--tz {value!r}: unknown time zone (e.g. Asia/Shanghai)") from None
        return value

    @field_validator("start", "end", mode="before")
    @classmethod
    def _moments(cls, value: Any, info: ValidationInfo) -> datetime | None:
        return _moment(value, option_name(str(info.field_name)), info.data.get("tz"))

    @field_validator("cron", "report_cron")
    @classmethod
    def _crons(cls, value: str | None, info: ValidationInfo) -> str | None:
        return _cron(value, option_name(str(info.field_name)), info.data.get("tz"))

    @field_validator("window")
    @classmethod
    def _windows(cls, value: list[str]) -> list[str]:
        try:
            return [str(parse_window(w)) for w in value]
        except ValueError as exc:
            raise _named("--window", exc) from None

    @field_validator("days")
    @classmethod
    def _days(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            window = CallingWindow.parse(None, value)
        except ValueError as exc:
            raise _named("--days", exc) from None
        return window.days_spec() if window.cn_calendar else value.strip().lower() or None

    @field_validator("retry")
    @classmethod
    def _retry(cls, value: list[str]) -> list[str]:
        try:
            RetrySchedule.parse(value)
        except ValueError as exc:
            raise _named("--retry", exc) from None
        return value

    @field_validator("cap")
    @classmethod
    def _cap(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                parse_cap(value)
            except ValueError as exc:
                raise _named("--cap", exc) from None
        return value

    @field_validator("rate")
    @classmethod
    def _rate(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                parse_rate(value)
            except ValueError as exc:
                raise _named("--rate", exc) from None
        return value

    @field_validator("key_label", mode="before")
    @classmethod
    def _label_pairs(cls, value: Any) -> Any:
        return pairs(value, "--key-label", "KEY=LABEL such as 1=very satisfied")

    # -- cross-field checks ----------------------------------------------------------------------

    @model_validator(mode="after")
    def _consistent(self) -> CampaignOptions:
        filters = bool(self.batch or self.tag or self.product)
        if self.all_contacts and filters:
            raise ValueError("--all: cannot be combined with --batch, --tag or --product")
        if not self.all_contacts and not filters:
            raise ValueError("audience: give --batch, --tag, --product or --all")
        if self.start is not None and self.cron is not None:
            raise ValueError("--cron: give either --start or --cron, not both")
        if self.end is not None and self.start is not None and self.end <= self.start:
            raise ValueError("--end: must be after --start")
        return self

    # -- derived values --------------------------------------------------------------------------

    def calling_window(self) -> CallingWindow:
        return CallingWindow.parse(self.window or None, self.days, self.tz)

    def retry_schedule(self) -> RetrySchedule:
        return RetrySchedule.parse(self.retry)

    def templates(self) -> dict[str, str]:
        """The texts read to callees, by variable (for the preview)."""
        return self.settings.templates()

    def to_campaign_columns(self) -> dict[str, Any]:
        """Keyword arguments for ``Campaign(...)`` (status is left to the database default)."""
        window = self.calling_window()
        cap = parse_cap(self.cap) if self.cap else (None, None)
        own = self.settings.columns()
        audience: dict[str, Any] = {
            "all": self.all_contacts,
            "batches": list(self.batch),
            "tags": list(self.tag),
            "products": list(self.product),
        }
        return {
            "name": self.name,
            "kind": self.kind,
            "audience": audience,
            "toneid": own.toneid,
            "tts": own.tts,
            "captcha": own.settings,
            "start_at": self.start,
            "cron": self.cron,
            "end_at": self.end,
            "windows": window.window_specs(),
            "days": window.days_spec(),
            "tz": self.tz,
            "max_attempts": self.max_attempts,
            "retry": self.retry_schedule().to_json(),
            "cap_count": cap[0],
            "cap_period_s": cap[1],
            "channels": self.channels,
            "max_queue": self.max_queue,
            "rate_per_min": parse_rate(self.rate) if self.rate else None,
            "priority": self.priority,
            "ivr_max_seconds": self.ivr_max,
            "key_labels": dict(self.key_label) or None,
            "report_cron": self.report_cron,
            "report_dir": self.report_dir,
        }


_COMMON = frozenset(CampaignOptions.model_fields) - {"settings"}


def kind_option_fields() -> dict[str, tuple[FieldInfo, list[str]]]:
    """Each kind's own options by field name (a field several kinds take once), with those kinds."""
    out: dict[str, tuple[FieldInfo, list[str]]] = {}
    for kind in KINDS.values():
        for name, info in kind.options.model_fields.items():
            out.setdefault(name, (info, []))[1].append(kind.name)
    return out


def option_fields() -> dict[str, FieldInfo]:
    """Every option by field name: the common ones, then the kinds' own, whose help texts name the
    kinds that take them. The CLI derives its flags from this."""
    fields = {name: info for name, info in CampaignOptions.model_fields.items() if name != "settings"}
    for name, (info, users) in kind_option_fields().items():
        copy = FieldInfo.merge_field_infos(info)
        copy.description = f"{'/'.join(users)}: {info.description or ''}".strip()
        fields[name] = copy
    return fields


def _not_for_kind(field: str, kind_name: str) -> str:
    users = [k.name for k in KINDS.values() if field in k.options.model_fields]
    if not users:
        return f"{option_name(field)}: Extra inputs are not permitted"
    return f"{option_name(field)}: not used by --kind {kind_name} (only by --kind {', '.join(users)})"


def _one_line(exc: ValidationError, kind_name: str | None, skip: tuple[str, ...] = ()) -> str:
    parts = []
    for error in exc.errors():
        cause = (error.get("ctx") or {}).get("error")
        loc = error.get("loc") or ()
        if loc and loc[0] in skip:
            continue
        if error["type"] == "value_error" and cause is not None:
            message = str(cause)
        elif error["type"] == "missing" and loc and kind_name is not None:
            message = f"{option_name(str(loc[0]))}: required for --kind {kind_name}"
        else:
            option = option_name(str(loc[0])) if loc else "options"
            message = f"{option}: {error['msg']}"
        parts.append(" ".join(message.split()))
    return "; ".join(parts)
