"""Collecting 800ing results so that none is lost: pushes first, the event stream, then reconciliation.

- **Pushes** (§2.7) arrive at our endpoint and are stored by ``ing800_push_store.record_push``.
- **Event stream** (§2.3/§2.4): :func:`follow_stream` reads each account's messages after its
  waterline; a hang-up there names the token whose push should have come.
- **Reconciliation** (§2.11/§2.12): :func:`reconcile` pages ``push_list`` for pushes the centre
  could not deliver, stores each row's memo at once (our endpoint may still be down) and then asks
  ``push_send`` so the centre marks it delivered; a repeat is counted once (dedup key).

:func:`collected_calls` then reads the outcome of each token: the hang-up memo, keys from the memo or
the §2.10 callback, the recording path from type 4.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select

from batch_dialer.callcenter.capabilities import AgentCallbacks
from batch_dialer.callcenter.errors import CallCenterError
from batch_dialer.callcenter.ing800.accounts import AgentAccount
from batch_dialer.callcenter.ing800.events import StreamStatus
from batch_dialer.callcenter.ing800.hangup_reasons import HangupKind
from batch_dialer.campaigns.attempt_states import Outcome
from batch_dialer.campaigns.ing800_models import Ing800Push
from batch_dialer.campaigns.ing800_outcomes import outcome_for_hangup
from batch_dialer.campaigns.ing800_push_store import record_push, record_stream_message
from batch_dialer.campaigns.models import table_of

__all__ = [
    "CollectedCall",
    "ReconcileReport",
    "StreamReport",
    "collected_calls",
    "follow_stream",
    "reconcile",
]

PUSHES = table_of(Ing800Push)


@dataclass(frozen=True)
class CollectedCall:
    token: str
    kind: HangupKind
    outcome: Outcome
    keys: str | None
    talk_seconds: int
    record_file: str | None
    extension: str | None
    cdr_id: str | None
    reason: str | None


def collected_calls(engine: Engine, tokens: Sequence[str]) -> dict[str, CollectedCall]:
    """The final result of every token whose hang-up memo we hold (others are still open)."""
    if not tokens:
        return {}
    columns = (
        PUSHES.c.paramvalue,
        PUSHES.c.source,
        PUSHES.c.push_type,
        PUSHES.c.outcome,
        PUSHES.c.ivr_keys,
        PUSHES.c.talk_seconds,
        PUSHES.c.record_file,
        PUSHES.c.extension,
        PUSHES.c.cdr_id,
        PUSHES.c.hangup_reason,
    )
    finals: dict[str, CollectedCall] = {}
    callback_keys: dict[str, str] = {}
    recordings: dict[str, str] = {}
    with engine.connect() as conn:
        for start in range(0, len(tokens), 500):
            chunk = list(tokens[start : start + 500])
            rows = conn.execute(select(*columns).where(PUSHES.c.paramvalue.in_(chunk)).order_by(PUSHES.c.id))
            for token, source, kind, outcome, keys, talk, record, ext, cdr, reason in rows:
                if source == "key" and keys:
                    callback_keys[token] = keys
                elif kind == 4 and record:
                    recordings[token] = record
                elif kind == 3 and outcome:
                    hangup = HangupKind(outcome)
                    finals[token] = CollectedCall(
                        token, hangup, outcome_for_hangup(hangup), keys, talk or 0, record, ext, cdr, reason
                    )
        # a key callback that came before we could link it to a token is found by the call's cdrId
        cdr_ids = [
            c.cdr_id for c in finals.values() if c.cdr_id and not c.keys and c.token not in callback_keys
        ]
        keys_by_cdr: dict[str, str] = {}
        for start in range(0, len(cdr_ids), 500):
            key_rows = conn.execute(
                select(PUSHES.c.cdr_id, PUSHES.c.ivr_keys)
                .where(PUSHES.c.source == "key", PUSHES.c.cdr_id.in_(cdr_ids[start : start + 500]))
                .order_by(PUSHES.c.id)
            )
            keys_by_cdr.update({str(cdr): str(keys) for cdr, keys in key_rows if keys})
    for token, call in list(finals.items()):
        keys = call.keys or callback_keys.get(token) or keys_by_cdr.get(call.cdr_id or "")
        record = call.record_file or recordings.get(token)
        if keys != call.keys or record != call.record_file:
            finals[token] = CollectedCall(
                token,
                call.kind,
                call.outcome,
                keys,
                call.talk_seconds,
                record,
                call.extension,
                call.cdr_id,
                call.reason,
            )
    return finals


@dataclass
class StreamReport:
    waterline: int
    messages: int = 0
    hung_up: list[str] = field(default_factory=list)  # tokens whose call the stream saw end


def follow_stream(
    client: AgentCallbacks, account: AgentAccount, engine: Engine, waterline: int
) -> StreamReport:
    """Store every message after ``waterline`` for this account; the new waterline comes back."""
    report = StreamReport(waterline)
    for message in client.stream_after(account, waterline):
        record_stream_message(engine, account.extension, message)
        report.messages += 1
        report.waterline = max(report.waterline, message.waterline)
        if message.status is StreamStatus.HUNG_UP and message.paramvalue:
            report.hung_up.append(message.paramvalue)
    return report


@dataclass
class ReconcileReport:
    rows: int = 0
    recorded: int = 0  # rows that were news to us
    resent: int = 0
    resend_failures: int = 0


def reconcile(
    client: AgentCallbacks,
    engine: Engine,
    session_id: str,
    start: datetime,
    end: datetime,
    *,
    tz: ZoneInfo,
    resend: bool = True,
) -> ReconcileReport:
    """Page push_list for undelivered pushes in [start, end] (aware datetimes, shown in the centre's zone)."""
    report = ReconcileReport()
    rows = list(client.push_rows(session_id, start.astimezone(tz), end.astimezone(tz), status=1))
    for row in rows:
        report.rows += 1
        if record_push(engine, row.push, "push_list").new:
            report.recorded += 1
        if not resend:
            continue
        try:
            client.push_send(session_id, row.push_id)
            report.resent += 1
        except CallCenterError:
            report.resend_failures += 1  # stored already; the centre keeps it as failed, harmless
    return report
