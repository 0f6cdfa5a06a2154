"""``callback``: an agent's 800ing account calls the contact — the agent's phone rings first (§2.2).

One call per account (claimed by compare-and-set in ``ing800_account_pool``), at most ``--trunks``
at once; ``paramvalue`` = our attempt token. Results: the CDR push (fast path, stored by the webhook),
the accounts' event streams for late ones, and ``push_list`` → ``push_send`` reconciliation for pushes
we missed (``ing800_collection``). The IVR key becomes the ``satisfact`` key.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, ClassVar, cast
from zoneinfo import ZoneInfo

from pydantic import Field, field_validator
from sqlalchemy import Engine

from batch_dialer.callcenter.capabilities import AgentCallbacks
from batch_dialer.callcenter.errors import BadPassword, CallCenterError, CenterBusy
from batch_dialer.callcenter.ing800.accounts import AgentAccount
from batch_dialer.callcenter.ing800.codes import AccountBusy
from batch_dialer.campaigns.account_vault import AccountVault, VaultError, load_key
from batch_dialer.campaigns.campaign_row import CampaignRow
from batch_dialer.campaigns.clock import Clock, system_clock
from batch_dialer.campaigns.ing800_account_pool import (
    claim_account,
    free_accounts,
    release_account,
    sweep_accounts,
)
from batch_dialer.campaigns.ing800_collection import CollectedCall, collected_calls, follow_stream, reconcile
from batch_dialer.campaigns.ing800_push_store import recorded_tokens
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
    ReadingStatus,
)

__all__ = ["CallbackKind", "CallbackOptions"]

#: A placed call without its hang-up memo this long is looked for in push_list (also at once when
#: its account's stream has shown the hang-up).
RECONCILE_AFTER = timedelta(seconds=20)
#: At most one push_list sweep per process this often (seconds of monotonic time).
RECONCILE_EVERY_S = 2.0
SATISFACTION_VAR = "satisfact"


class CallbackOptions(KindOptions):
    agents: list[str] = Field(
        min_length=1,
        description="800ing agent accounts that place the calls: 8001,8002,…",
        title="坐席帐号（逗号分隔，如 8001,8002）",
    )
    trunks: int = Field(
        default=10, ge=1, le=1000, description="most calls at once across the accounts", title="外线数 trunks"
    )
    key_reply: str = Field(
        default="感谢您的评价，再见。",
        description="text played after a key (§2.10)",
        title="按键后播放的文本",
    )
    opt_out_key: str | None = Field(
        default=None, description="the key that puts the number on the DNC list", title="退订按键"
    )
    opt_out_reply: str = Field(
        default="已为您退订，今后不再致电，再见。", description="text after the opt-out key"
    )

    @field_validator("agents", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        items = [value] if isinstance(value, str) else list(value or [])
        out = [part.strip() for item in items for part in str(item).split(",") if part.strip()]
        if len(set(out)) != len(out):
            raise ValueError("--agents: an account is listed twice")
        return out

    def columns(self) -> KindColumns:
        return KindColumns(settings=self.model_dump())


class _Streams:
    """Per process: each account's last waterline, so a stream is read from where we left it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._lines: dict[str, int] = {}
        self._last_reconcile = float("-inf")

    def get(self, ext: str, default: int) -> int:
        with self._lock:
            return self._lines.get(ext, default)

    def put(self, ext: str, line: int) -> None:
        with self._lock:
            self._lines[ext] = max(line, self._lines.get(ext, 0))

    def reconcile_due(self) -> bool:
        """True at most once per RECONCILE_EVERY_S in this process."""
        with self._lock:
            now = time.monotonic()
            if now - self._last_reconcile < RECONCILE_EVERY_S:
                return False
            self._last_reconcile = now
            return True


_streams = _Streams()
_CENTRE_TZ = ZoneInfo("Asia/Shanghai")  # push_list times are the centre's local time (contract R20)


def _vault(access: CentreAccess) -> AccountVault:
    url = access.engine.url.render_as_string(hide_password=False)
    try:
        return AccountVault(access.engine, load_key(url, create=False))
    except VaultError as exc:  # configuration to fix: the campaign pauses with this reason
        raise BadPassword(f"800ing agent accounts: {exc}") from None


def _account(vault: AccountVault, extension: str) -> AgentAccount:
    try:
        return vault.account(extension)
    except VaultError as exc:
        raise BadPassword(f"800ing agent accounts: {exc}") from None


def _agents(campaign: CampaignRow) -> list[str]:
    return [str(a) for a in campaign.settings.get("agents") or []]


class CallbackKind(CampaignKind):
    name: ClassVar[str] = "callback"
    poll_step: ClassVar[int | None] = None  # one bulk read covers the whole batch
    summary: ClassVar[str] = "an agent's account calls the contact (800ing §2.2 callbackPhone)"
    label: ClassVar[str] = "坐席回拨 (800ing callback)"
    options: ClassVar[type[KindOptions]] = CallbackOptions
    required_capabilities: ClassVar[frozenset[type]] = frozenset({AgentCallbacks})

    def pacing(self, campaign: CampaignRow) -> Pacing:
        return Pacing.AGENTS

    def agent_room(self, access: CentreAccess, campaign: CampaignRow, in_flight: int) -> int:
        agents = _agents(campaign)
        sweep_accounts(access.engine, agents)
        trunks = int(campaign.settings.get("trunks") or 1)
        return max(0, min(len(free_accounts(access.engine, agents)), trunks - in_flight))

    def submit(self, access: CentreAccess, job: DialJob, now: datetime) -> str | None:
        agents = _agents(job.campaign)
        ext = claim_account(access.engine, agents, job.token, now)
        if ext is None:
            raise CenterBusy("no free 800ing agent account for this campaign", retry_after=1.0)
        try:
            account = _account(_vault(access), ext)
            cast(AgentCallbacks, access.provider(AgentCallbacks)).callback_phone(
                account, job.phone, job.token
            )
        except AccountBusy as exc:
            release_account(access.engine, job.token)
            raise CenterBusy(str(exc), code=exc.code, retry_after=exc.retry_after or 2.0) from None
        except BaseException:
            release_account(access.engine, job.token)
            raise
        return ext

    def find_at_centre(self, access: CentreAccess, job: DialJob) -> Placement | None:
        """Known when any push or stream event carries the token; else the held account's stream."""
        if job.token in recorded_tokens(access.engine, [job.token]):
            return Placement()
        return None

    def read_results(
        self, access: CentreAccess, targets: Sequence[PollTarget]
    ) -> Mapping[int, Reading | CallCenterError]:
        engine = access.engine
        tokens = [t.token for t in targets]
        found = collected_calls(engine, tokens)
        missing = [t for t in targets if t.token not in found]
        if missing:
            try:
                self._look_further(access, missing)
            except CallCenterError as exc:
                return {t.attempt_id: exc for t in missing} | {
                    t.attempt_id: self._reading(engine, found[t.token]) for t in targets if t.token in found
                }
            found = collected_calls(engine, tokens)
        out: dict[int, Reading | CallCenterError] = {}
        for target in targets:
            call = found.get(target.token)
            out[target.attempt_id] = self._reading(engine, call) if call else Reading(ReadingStatus.PENDING)
        return out

    @staticmethod
    def _reading(engine: Engine, call: CollectedCall) -> Reading:
        release_account(engine, call.token)
        keys = {SATISFACTION_VAR: call.keys} if call.keys else None
        return Reading(ReadingStatus.FINAL, call.outcome, keys=keys)

    def _look_further(self, access: CentreAccess, missing: Sequence[PollTarget]) -> None:
        """Read the accounts' streams; sweep push_list for calls that ended (or are late) without a memo."""
        client = cast(AgentCallbacks, access.provider(AgentCallbacks))
        vault = _vault(access)
        clock: Clock = getattr(access, "clock", system_clock)
        now = clock.now()
        extensions = sorted({t.centre_ref for t in missing if t.centre_ref})
        accounts = [_account(vault, ext) for ext in extensions]
        ended: set[str] = set()
        for account in accounts:
            oldest = min(t.placed_at for t in missing if t.centre_ref == account.extension)
            start = int((oldest.timestamp() - 60) * 1000)
            report = follow_stream(client, account, access.engine, _streams.get(account.extension, start))
            _streams.put(account.extension, report.waterline)
            ended.update(report.hung_up)
        late = [t for t in missing if t.token in ended or now - t.placed_at >= RECONCILE_AFTER]
        if not late or not accounts or not _streams.reconcile_due():
            return
        session = client.get_extension(accounts[0]).session_id
        if not session:
            return
        begin = min(t.placed_at for t in late) - timedelta(minutes=5)
        reconcile(client, access.engine, session, begin, now + timedelta(minutes=1), tz=_CENTRE_TZ)
