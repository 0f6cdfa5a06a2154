"""The scheduler's periodic work: pace (claim + enqueue), dispatch polls, recover lost claims,
and move campaigns through their lifecycle. Each method is one tick, safe to call repeatedly.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, and_, bindparam, case, func, or_, select

from batch_dialer.callcenter.capabilities import CallLogQuery, CentreAdapter, LoadMonitor
from batch_dialer.callcenter.errors import CallCenterError
from batch_dialer.callcenter.results import MonitorReading
from batch_dialer.campaigns.attempt_states import AttemptState, TaskState
from batch_dialer.campaigns.campaign_row import CampaignRow, select_campaign_rows
from batch_dialer.campaigns.claiming import ClaimPolicy, claim_due, expired_claims
from batch_dialer.campaigns.clock import Clock
from batch_dialer.campaigns.kinds.base import Pacing
from batch_dialer.campaigns.kinds.registry import kind_named
from batch_dialer.campaigns.lifecycle import finish_if_done, stop_at_end
from batch_dialer.campaigns.models import CallAttempt, CallTask, Campaign, table_of
from batch_dialer.campaigns.poll_ledger import due_polls
from batch_dialer.scheduler.ended_calls import CallLogTail
from batch_dialer.scheduler.pacer import ChannelSharer, Pacer
from batch_dialer.workers.runtime import HINTED_POLL_FACTOR

__all__ = ["Dispatcher", "Senders", "TickReport"]

log = logging.getLogger("batch_dialer.scheduler")
_campaign = table_of(Campaign)
_task = table_of(CallTask)
_attempt = table_of(CallAttempt)

#: claimed attempts per placement message, at most. Their submissions are sequential, so at a centre that
#: takes 50 ms a request the last waits 350 ms, well inside the 2-tick gap target at the default 1 s tick;
#: at 4, a 300-channel tick of about 7 calls cost two messages and about 15 % more CPU per call
PLACE_CHUNK = 8
_UNSEEN = (AttemptState.QUEUED.value, AttemptState.SUBMITTING.value)
_BUSY = (*_UNSEEN, AttemptState.PLACED.value)


# -- the statements of every tick, built once (building one costs more than running it) ----------------


def _feedback_statement(lagged: bool) -> Any:
    state, placed_at, finished_at = _attempt.c.state, _attempt.c.placed_at, _attempt.c.finished_at
    placed = AttemptState.PLACED.value
    since = bindparam("since", type_=finished_at.type)
    unseen: ColumnElement[bool] = state.in_(_UNSEEN)
    if lagged:  # placed so recently that the monitor may not show it yet
        unseen = or_(unseen, and_(state == placed, placed_at > bindparam("lag", type_=placed_at.type)))
    refused = and_(state == AttemptState.ABANDONED.value, finished_at >= since)

    def count(condition: Any) -> Any:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    return select(
        count(unseen),
        count(and_(refused, _attempt.c.centre_state.in_((480, 486)))),
        count(and_(refused, _attempt.c.centre_state == 503)),
        count(and_(state == placed, placed_at >= since)),
    ).where(or_(state.in_(_BUSY), refused))


_FEEDBACK, _FEEDBACK_LAGGED = _feedback_statement(False), _feedback_statement(True)
_NOW = bindparam("now", type_=_campaign.c.start_at.type)
_DIALABLE = select_campaign_rows().where(
    _campaign.c.status == "running",
    or_(_campaign.c.start_at.is_(None), _campaign.c.start_at <= _NOW),
    or_(_campaign.c.end_at.is_(None), _campaign.c.end_at > _NOW),
)
_ANY_PLACED = select(_attempt.c.id).where(_attempt.c.state == AttemptState.PLACED.value).limit(1)


@dataclass(frozen=True)
class _CentreOnly:
    """What a kind may use from the scheduler: the database and the centre's own capabilities."""

    engine: Engine
    centre: CentreAdapter

    def provider(self, capability: type) -> object:
        if isinstance(self.centre, capability):
            return self.centre
        raise CallCenterError(f"the call centre offers no {capability.__name__}")


@dataclass(frozen=True)
class Senders:
    """How work reaches the workers (dramatiq actors' `.send`, or a direct call in tests)."""

    place: Callable[[int], Any]
    poll: Callable[[list[int]], Any]
    #: several claimed attempts in one message; without it each goes alone through ``place``
    place_many: Callable[[list[int]], Any] | None = None


@dataclass
class TickReport:
    """What one pace tick saw and did; the live display and the benchmark read it."""

    at: datetime | None = None
    reading: MonitorReading | None = None
    allowance: int = 0
    claimed: dict[int, int] = field(default_factory=dict)
    effective_channels: int = 0
    channels: int = 0


class Dispatcher:
    def __init__(
        self,
        engine: Engine,
        centre: CentreAdapter,
        senders: Senders,
        clock: Clock,
        *,
        claim_lease_s: float = 30.0,
        poll_interval_s: float = 5.0,
        poll_batch: int = 50,
        monitor_lag_s: float = 0.0,
        poll_hints: bool = False,
    ) -> None:
        self.engine = engine
        self.centre = centre
        self.senders = senders
        self.clock = clock
        self.claim_lease_s = claim_lease_s
        self.poll_interval_s = poll_interval_s
        self.poll_batch = poll_batch
        self.monitor_lag_s = monitor_lag_s
        self.pacer: Pacer | None = None
        self.may_claim: Callable[[], bool] = lambda: True  # the scheduler's lease fence
        self.sharer: ChannelSharer[int] = ChannelSharer()
        self.last_tick: datetime | None = None
        self._error_share = 0.0  # smoothed share of 503s among this centre's submissions
        self.last_report = TickReport()
        self._access = _CentreOnly(engine, centre)
        self.call_log_tail = CallLogTail(centre) if poll_hints and isinstance(centre, CallLogQuery) else None

    # -- pacing ----------------------------------------------------------------------------------

    def pace(self) -> TickReport:
        """One pacing tick: read the centre, work out the room, claim and enqueue that many calls."""
        now = self.clock.now()
        since = self.last_tick or now
        self.last_tick = now
        report = TickReport(at=now)
        # our side first, then the centre: a call placed in between is counted twice (safe), never
        # missed by both (which would let one call too many out)
        with self.engine.connect() as conn:  # one connection for both reads: a round trip less on PostgreSQL
            campaigns = self._dialable_campaigns(conn, now)
            if not campaigns:
                self.last_report = report
                return report
            unseen, refusals, errors, placed = self._feedback(conn, since, now)
        pacer = self._pacer_for(campaigns)
        reading = self._read_monitor()
        if self._congested(refusals, errors, placed):
            pacer.on_congestion()
        elif placed:
            pacer.on_success()
        pacer.tick(reading, unseen)
        allowance = pacer.allowance()
        report.reading, report.allowance = reading, allowance
        report.effective_channels, report.channels = pacer.effective_channels, pacer.channels
        if allowance > 0:
            # one campaign takes the whole allowance (its claim finds how many are due)
            due = (
                {campaigns[0].id: allowance}
                if len(campaigns) == 1
                else self._due_counts(campaigns, now, allowance)
            )
            shares = self.sharer.share(allowance, [(c.id, c.priority, due.get(c.id, 0)) for c in campaigns])
            by_id = {c.id: c for c in campaigns}
            for cid, n in shares.items():
                if n <= 0:
                    continue
                n = min(n, self._campaign_room(by_id[cid], len(campaigns)))
                if not self.may_claim():
                    break
                result = claim_due(self.engine, self._claim_policy(by_id[cid]), n, now)
                self._send_placements(result.attempt_ids)
                pacer.record_sent(len(result.attempt_ids))
                report.claimed[cid] = len(result.attempt_ids)
        self.last_report = report
        return report

    def _send_placements(self, ids: Sequence[int]) -> None:
        """In as few messages of at most ``PLACE_CHUNK`` as hold them, of even size (9 go as 5 + 4, not
        8 + 1): each message costs Redis scripts, a fetch, an ack and two transactions whatever it
        carries, and a message's calls go to the centre one after another, so none is longer than it
        needs to be."""
        place_many = self.senders.place_many
        if place_many is None or len(ids) <= 1:
            for attempt_id in ids:
                self.senders.place(attempt_id)
            return
        for batch in _even_batches(ids, PLACE_CHUNK):
            place_many(batch)

    def _dialable_campaigns(self, conn: Connection, now: datetime) -> list[CampaignRow]:
        rows = [CampaignRow.from_mapping(r._mapping) for r in conn.execute(_DIALABLE, {"now": now})]
        return [c for c in rows if c.calling_window().contains(now)]

    def _pacer_for(self, campaigns: Sequence[CampaignRow]) -> Pacer:
        channels = max(c.channels for c in campaigns)
        queues = [c.max_queue for c in campaigns if c.max_queue]
        max_queue = min(queues) if queues else 0
        rates = [c.rate_per_min for c in campaigns if c.rate_per_min]
        rate = sum(rates) if rates and len(rates) == len(campaigns) else None
        pacer = self.pacer
        if pacer is None or (pacer.channels, pacer.max_queue, pacer.rate_per_min) != (
            channels,
            max_queue,
            rate,
        ):
            pacer = self.pacer = Pacer(channels, max_queue, rate, self.clock)
        return pacer

    def _read_monitor(self) -> MonitorReading | None:
        if not isinstance(self.centre, LoadMonitor):
            log.warning("the call centre has no monitor: holding")
            return None
        try:
            return self.centre.monitor()
        except CallCenterError as exc:
            log.warning("monitor read failed, holding this tick: %s", exc)
            return None

    def _feedback(self, conn: Connection, since: datetime, now: datetime) -> tuple[int, int, int, int]:
        """(calls not visible at the centre yet, 486/480 refusals and 503 errors since the last tick,
        placements since the last tick), in one statement that only reads the attempts in flight and
        those that ended since the last tick (the state and finish-time indexes keep it so however many
        finished attempts the table holds)."""
        lag = now - timedelta(seconds=self.monitor_lag_s)
        statement = _FEEDBACK_LAGGED if self.monitor_lag_s > 0 else _FEEDBACK
        row = conn.execute(statement, {"since": since, "lag": lag}).one()
        return int(row[0]), int(row[1]), int(row[2]), int(row[3])

    def _congested(self, refusals: int, errors: int, placed: int) -> bool:
        """486/480 say "slow down" outright; a 503 now and then is noise, a steady majority is load."""
        share = errors / (errors + placed) if errors + placed else 0.0  # quiet ticks let it fade
        self._error_share = 0.7 * self._error_share + 0.3 * share
        return refusals > 0 or self._error_share > 0.5

    def _due_counts(self, campaigns: Sequence[CampaignRow], now: datetime, cap: int) -> dict[int, int]:
        counts: dict[int, int] = {}
        with self.engine.connect() as conn:
            for c in campaigns:
                due = select(_task.c.id).where(
                    _task.c.campaign_id == c.id,
                    _task.c.state == TaskState.PENDING.value,
                    or_(_task.c.next_attempt_at.is_(None), _task.c.next_attempt_at <= now),
                )
                counts[c.id] = int(
                    conn.scalar(select(func.count()).select_from(due.limit(cap).subquery())) or 0
                )
        return counts

    def _campaign_room(self, campaign: CampaignRow, running: int) -> int:
        """With several campaigns on one centre, each also stays under its own --channels; a campaign
        its kind paces by agents also stays under the agents' room (free agents + calls ahead)."""
        kind = kind_named(campaign.kind)
        pacing = kind.pacing(campaign)
        if pacing is Pacing.PEOPLE:
            return 0  # people start these calls; the pacer never claims them
        by_agents = pacing is Pacing.AGENTS
        if running == 1 and not by_agents:
            return campaign.channels
        with self.engine.connect() as conn:
            busy = int(
                conn.scalar(
                    select(func.count()).where(
                        _attempt.c.campaign_id == campaign.id, _attempt.c.state.in_(_BUSY)
                    )
                )
                or 0
            )
        room = campaign.channels - busy
        if by_agents:
            try:
                room = min(room, kind.agent_room(self._access, campaign, busy))
            except CallCenterError as exc:
                log.warning("agent states read failed, holding campaign %s: %s", campaign.id, exc)
                return 0
        return max(0, room)

    def _claim_policy(self, campaign: CampaignRow) -> ClaimPolicy:
        return ClaimPolicy(
            campaign_id=campaign.id,
            token_salt=campaign.token_salt,
            cap_count=campaign.cap_count,
            cap_period_s=campaign.cap_period_s,
            lease_s=self.claim_lease_s,
        )

    # -- polling, recovery, lifecycle ------------------------------------------------------------

    def dispatch_polls(self) -> int:
        """Send the due result polls in batches (one message, many attempts). With the centre's call log,
        calls it says ended are polled at once and the others only now and then (the safety net)."""
        now = self.clock.now()
        next_in = self.poll_interval_s
        ended: set[str] | None = None
        if self.call_log_tail is not None and self._any_placed():
            ended = self.call_log_tail.ended_since_last(now)
            if ended is not None:
                next_in = self.poll_interval_s * HINTED_POLL_FACTOR
        ids = due_polls(self.engine, now, self.poll_batch * 40, next_in, ended or ())
        for batch in _even_batches(ids, self.poll_batch):
            self.senders.poll(batch)
        return len(ids)

    def _any_placed(self) -> bool:
        """Whether any call is out (the log is not read for nothing: an idle engine costs no requests)."""
        with self.engine.connect() as conn:
            return conn.scalar(_ANY_PLACED) is not None

    def recover(self) -> int:
        """Re-send attempts whose claim lease ran out (lost message, killed worker, restarted Redis)."""
        ids = expired_claims(self.engine, self.clock.now(), self.claim_lease_s)
        for attempt_id in ids:
            self.senders.place(attempt_id)
        if ids:
            log.info("re-sent %d attempts whose claim lease expired", len(ids))
        return len(ids)

    def lifecycle(self) -> None:
        """Start campaigns whose start time came, stop those past their end, finish the done ones."""
        from batch_dialer.campaigns.lifecycle import start

        now = self.clock.now()
        with self.engine.connect() as conn:
            due = list(
                conn.scalars(
                    select(_campaign.c.id).where(
                        _campaign.c.status == "scheduled",
                        _campaign.c.cron.is_(None),
                        _campaign.c.start_at.is_not(None),
                        _campaign.c.start_at <= now,
                    )
                )
            )
        for cid in due:
            start(self.engine, cid, now, actor="scheduler")
        stop_at_end(self.engine, now)
        finish_if_done(self.engine, now)


def _even_batches(ids: Sequence[int], most: int) -> list[list[int]]:
    """As few batches of at most ``most`` as hold ``ids``, of even size (none for none): no worker thread
    waits on a full message beside a tiny one."""
    messages = -(-len(ids) // most)
    return [list(ids[n::messages]) for n in range(messages)]
