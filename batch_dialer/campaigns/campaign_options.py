"""Everything `dialer campaign create` accepts, validated into `Campaign` columns.

Build with :meth:`CampaignOptions.build` to get :class:`CampaignOptionsError`, a one-line message naming
the option (``--window '9-21': expected HH:MM-HH:MM``), instead of pydantic's multi-line report.

Choices: the audience filters combine as AND across options and OR within one (``--tag a --tag b``);
``--all`` excludes the filters. ``--start`` and ``--cron`` exclude each other. Naive ``--start``/``--end``
are local to ``--tz``. A captcha code comes from ``--code-field`` or is generated with ``--code-digits``
(default 6). ``soap_tts`` takes its text from ``--text`` and an optional ``--caller`` extension.
``render_tts`` and friends live in ``tts_templates`` and are re-exported here.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Literal

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

from batch_dialer.campaigns.calling_window import CallingWindow, parse_days, parse_window, parse_zone
from batch_dialer.campaigns.retry_schedule import RetrySchedule, parse_cap, parse_rate
from batch_dialer.campaigns.tts_templates import (
    BUILTIN_FIELDS,
    contact_fields,
    render_tts,
    template_placeholders,
)

__all__ = [
    "BUILTIN_FIELDS",
    "CampaignKind",
    "CampaignOptions",
    "CampaignOptionsError",
    "contact_fields",
    "render_tts",
    "template_placeholders",
]

_TTS_VAR = re.compile(r"^tts[A-Za-z0-9_]+$")
_OPTION_NAMES = {"all_contacts": "--all", "key_label": "--key-label"}


class CampaignKind(StrEnum):
    TTS = "tts"  # §18 IVR_TTS_CALL
    CAPTCHA = "captcha"  # §3 CLICK_TO_*_CAPTCHA
    SOAP_TTS = "soap_tts"  # §26 TextToCallService.makeCall


class CampaignOptionsError(ValueError):
    """A one-line message naming the bad option; safe to print as is."""


def _option(field: str) -> str:
    return _OPTION_NAMES.get(field, "--" + field.replace("_", "-"))


def _named(option: str, exc: Exception) -> ValueError:
    """Prefix a parser's message (``window '9-21': …``) with the option's dashes."""
    message = str(exc)
    word = option.lstrip("-")
    return ValueError("--" + message if message.startswith(word + " ") else f"{option}: {message}")


def _pairs(value: Any, option: str, what: str) -> Any:
    """CLI ``["k=v", …]`` → dict (a dict passes through); duplicates and missing ``=`` are errors."""
    if not isinstance(value, list | tuple):
        return value
    out: dict[str, str] = {}
    for item in value:
        key, sep, text = str(item).partition("=")
        key = key.strip()
        if not sep or not key:
            raise ValueError(f"{option} {str(item)[:40]!r}: expected {what}")
        if key in out:
            raise ValueError(f"{option} {key!r}: given twice")
        out[key] = text
    return out


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
    """The validated options of one campaign; field names follow the CLI options."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=200)
    kind: CampaignKind
    # audience
    batch: list[int] = Field(default_factory=list)
    tag: list[str] = Field(default_factory=list)
    product: list[str] = Field(default_factory=list)
    all_contacts: bool = False
    # what to play
    toneid: int | None = Field(default=None, ge=0)
    tts: dict[str, str] = Field(default_factory=dict)
    text: str | None = None
    caller: str | None = Field(default=None, pattern=r"^\d{1,20}$")
    line: Literal["ip", "fixed"] | None = None
    playtimes: int | None = Field(default=None, ge=1, le=10)
    precallcount: int | None = Field(default=None, ge=0, le=1000)
    extnum: str | None = Field(default=None, pattern=r"^\d{1,20}$")
    code_field: str | None = None
    code_digits: int | None = Field(default=None, ge=4, le=10)
    # timing (tz first: the others are read in it)
    tz: str = "Asia/Shanghai"
    start: datetime | None = None
    cron: str | None = None
    end: datetime | None = None
    window: list[str] = Field(default_factory=list)
    days: str | None = None
    # policy
    max_attempts: int = Field(default=3, ge=1, le=20)
    retry: list[str] = Field(default_factory=list)
    cap: str | None = None
    # limits
    channels: int = Field(default=10, ge=1, le=10000)
    max_queue: int = Field(default=0, ge=0)
    rate: str | None = None
    priority: int = Field(default=1, ge=1, le=100)
    # reports
    report_cron: str | None = None
    report_dir: str | None = None
    key_label: dict[str, str] = Field(default_factory=dict)

    # -- construction ----------------------------------------------------------------------------

    @classmethod
    def build(cls, *, extra_fields: Collection[str] | None = None, **values: Any) -> CampaignOptions:
        """Validate CLI values. With ``extra_fields`` (the contact extra fields known to exist) a TTS
        placeholder must be a built-in or one of them; without it any field name is accepted."""
        try:
            return cls.model_validate(values, context={"extra_fields": extra_fields})
        except ValidationError as exc:
            raise CampaignOptionsError(_one_line(exc)) from None

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
        return _moment(value, _option(str(info.field_name)), info.data.get("tz"))

    @field_validator("cron", "report_cron")
    @classmethod
    def _crons(cls, value: str | None, info: ValidationInfo) -> str | None:
        return _cron(value, _option(str(info.field_name)), info.data.get("tz"))

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
            if not parse_days(value):
                raise ValueError(f"days {value!r}: no day selected")
        except ValueError as exc:
            raise _named("--days", exc) from None
        return value.strip().lower() or None

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

    @field_validator("tts", mode="before")
    @classmethod
    def _tts_pairs(cls, value: Any) -> Any:
        return _pairs(value, "--tts", 'ttsVAR="template"')

    @field_validator("key_label", mode="before")
    @classmethod
    def _label_pairs(cls, value: Any) -> Any:
        return _pairs(value, "--key-label", "KEY=LABEL such as 1=very satisfied")

    @field_validator("tts")
    @classmethod
    def _tts(cls, value: dict[str, str], info: ValidationInfo) -> dict[str, str]:
        for var, template in value.items():
            if not _TTS_VAR.match(var):
                raise ValueError(f"--tts {var!r}: variable names start with 'tts' (e.g. ttsabc)")
            _check_template(f"--tts {var}", template, info)
        return value

    @field_validator("text")
    @classmethod
    def _text(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None:
            _check_template("--text", value, info)
        return value

    @field_validator("code_field")
    @classmethod
    def _code_field(cls, value: str | None) -> str | None:
        if value is not None and not value.strip().isidentifier():
            raise ValueError(f"--code-field {value!r}: not a field name")
        return None if value is None else value.strip()

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
        self._check_kind()
        return self

    def _check_kind(self) -> None:
        kind = self.kind
        captcha_only = ("line", "playtimes", "precallcount", "extnum", "code_field", "code_digits")
        for field in captcha_only:
            if kind is not CampaignKind.CAPTCHA and getattr(self, field) is not None:
                raise ValueError(f"{_option(field)}: only for --kind captcha")
        if kind is not CampaignKind.TTS and self.tts:
            raise ValueError("--tts: only for --kind tts (soap_tts takes --text)")
        if kind is not CampaignKind.SOAP_TTS and (self.text is not None or self.caller is not None):
            raise ValueError(f"{'--text' if self.text is not None else '--caller'}: only for --kind soap_tts")
        if kind in (CampaignKind.TTS, CampaignKind.CAPTCHA) and self.toneid is None:
            raise ValueError(f"--toneid: required for --kind {kind.value}")
        if kind is CampaignKind.SOAP_TTS:
            if self.toneid is not None:
                raise ValueError("--toneid: not used by --kind soap_tts")
            if not (self.text or "").strip():
                raise ValueError("--text: required for --kind soap_tts")
        if self.code_field is not None and self.code_digits is not None:
            raise ValueError("--code-digits: give either --code-field or --code-digits, not both")

    # -- derived values --------------------------------------------------------------------------

    def calling_window(self) -> CallingWindow:
        return CallingWindow.parse(self.window or None, self.days, self.tz)

    def retry_schedule(self) -> RetrySchedule:
        return RetrySchedule.parse(self.retry)

    def to_campaign_columns(self) -> dict[str, Any]:
        """Keyword arguments for ``Campaign(...)`` (status is left to the database default)."""
        window = self.calling_window()
        cap = parse_cap(self.cap) if self.cap else (None, None)
        captcha: dict[str, Any] | None = None
        tts: dict[str, str] | None = dict(self.tts) or None
        if self.kind is CampaignKind.CAPTCHA:
            captcha = {
                "line": self.line or "ip",
                "playtimes": self.playtimes or 1,
                "precallcount": self.precallcount or 0,
                "extnum": self.extnum,
                "code_field": self.code_field,
                "code_digits": None if self.code_field else (self.code_digits or 6),
            }
        elif self.kind is CampaignKind.SOAP_TTS:
            tts = {"content": self.text or ""}
            captcha = {"caller": self.caller} if self.caller else None
        audience: dict[str, Any] = {
            "all": self.all_contacts,
            "batches": list(self.batch),
            "tags": list(self.tag),
            "products": list(self.product),
        }
        return {
            "name": self.name,
            "kind": self.kind.value,
            "audience": audience,
            "toneid": self.toneid,
            "tts": tts,
            "captcha": captcha,
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
            "key_labels": dict(self.key_label) or None,
            "report_cron": self.report_cron,
            "report_dir": self.report_dir,
        }


def _check_template(option: str, template: str, info: ValidationInfo) -> None:
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


def _one_line(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors():
        cause = (error.get("ctx") or {}).get("error")
        loc = error.get("loc") or ()
        if error["type"] == "value_error" and cause is not None:
            message = str(cause)
        else:
            option = _option(str(loc[0])) if loc else "options"
            message = f"{option}: {error['msg']}"
        parts.append(" ".join(message.split()))
    return "; ".join(parts)
