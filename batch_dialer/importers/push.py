"""Push imported contacts (§19 ContactsSrvlt) and opportunities (§20 PreorderSrvlt) to the centre.

The centre takes a batch all-or-nothing and answers 483 when any entry is already known; we then
split the batch in halves until each known entry is isolated and record it as `present`. Busy /
unavailable / 5xx answers are retried with backoff. The status is stored per row after every
batch, so a re-run (or a crash half-way) pushes only what is still missing.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, TypeVar

from sqlalchemy import Engine, Table, select, update

from batch_dialer.callcenter import (
    SAFE_FORM_BODY_BYTES,
    CallCenter,
    CallCenterError,
    ContactRecord,
    DuplicateSubmission,
    OpportunityRecord,
)
from batch_dialer.campaigns.audience import batch_members
from batch_dialer.campaigns.clock import utcnow
from batch_dialer.campaigns.models import Contact, Opportunity

__all__ = ["PushAborted", "PushReport", "PushTotals", "push_pending"]

log = logging.getLogger(__name__)

CONTACT: Table = Contact.__table__  # type: ignore[attr-defined]
OPPORTUNITY: Table = Opportunity.__table__  # type: ignore[attr-defined]
_TODO = ("pending", "failed")
_PAGE = 5000

R = TypeVar("R", ContactRecord, OpportunityRecord)


class PushAborted(Exception):
    """The centre kept failing after every retry; what was pushed so far is recorded."""

    def __init__(self, message: str, report: PushReport) -> None:
        super().__init__(message)
        self.report = report


@dataclass
class PushTotals:
    pushed: int = 0
    present: int = 0  # the centre already had it (483)
    failed: int = 0  # refused for this entry alone (e.g. 400); retried on the next run


@dataclass
class PushReport:
    contacts: PushTotals = field(default_factory=PushTotals)
    opportunities: PushTotals = field(default_factory=PushTotals)
    requests: int = 0
    retries: int = 0

    def summary(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class _Pusher:
    center: CallCenter
    report: PushReport
    sleep: Callable[[float], None]
    max_attempts: int
    base_delay: float
    max_delay: float

    def call(self, send: Callable[[Sequence[R]], None], records: Sequence[R]) -> None:
        """One request with retries on retryable answers; other errors propagate."""
        attempt = 0
        while True:
            attempt += 1
            self.report.requests += 1
            try:
                send(records)
                return
            except CallCenterError as exc:
                if not exc.retryable or attempt >= self.max_attempts:
                    raise
                delay = exc.retry_after or self.base_delay * 2 ** (attempt - 1)
                self.report.retries += 1
                log.info("centre answered %s; retrying in %.1fs", exc.__class__.__name__, delay)
                self.sleep(min(delay, self.max_delay))

    def deliver(
        self, send: Callable[[Sequence[R]], None], records: Sequence[R]
    ) -> Iterator[tuple[int, str, str | None]]:
        """(index, status, error) for every record: pushed, present (483) or failed (refused alone)."""
        stack: list[tuple[int, int]] = [(0, len(records))]
        while stack:
            start, end = stack.pop()
            try:
                self.call(send, records[start:end])
            except DuplicateSubmission:
                if end - start == 1:
                    yield start, "present", None
                    continue
                middle = (start + end) // 2
                stack.extend([(middle, end), (start, middle)])
                continue
            except CallCenterError as exc:
                if exc.retryable:
                    raise
                if end - start == 1:
                    yield start, "failed", str(exc)[:1000]
                    continue
                middle = (start + end) // 2  # one bad entry refuses the batch: find it
                stack.extend([(middle, end), (start, middle)])
                continue
            for index in range(start, end):
                yield index, "pushed", None


def _batches(
    records: Sequence[R], size_of: Callable[[Sequence[R]], int], max_bytes: int, max_records: int
) -> Iterator[range]:
    """Index ranges whose encoded request stays under `max_bytes` (sizes of single records add up
    to slightly more than the batch's, so the estimate errs on the safe side)."""
    start, used = 0, 0
    for index, record in enumerate(records):
        size = size_of([record])
        if index > start and (used + size > max_bytes or index - start >= max_records):
            yield range(start, index)
            start, used = index, 0
        used += size
    if start < len(records):
        yield range(start, len(records))


def push_pending(
    engine: Engine,
    center: CallCenter,
    *,
    batch_id: int | None = None,
    sleep: Callable[[float], None] = time.sleep,
    max_attempts: int = 6,
    base_delay: float = 1.0,
    max_delay: float = 30.0,
    max_body_bytes: int = SAFE_FORM_BODY_BYTES,
    max_records: int = 500,
) -> PushReport:
    """Push contacts, then their opportunities, that are pending or failed (of one batch, or all).

    Raises PushAborted when the centre stays unavailable; the statuses recorded so far remain.
    """
    report = PushReport()
    pusher = _Pusher(center, report, sleep, max_attempts, base_delay, max_delay)
    try:
        _push_contacts(engine, pusher, batch_id, max_body_bytes, max_records)
        _push_opportunities(engine, pusher, batch_id, max_body_bytes, max_records)
    except CallCenterError as exc:
        raise PushAborted(f"push to the call centre stopped: {exc}", report) from exc
    return report


def _contact_pages(engine: Engine, batch_id: int | None) -> Iterator[list[tuple[int, str, str | None]]]:
    last = 0
    while True:
        query = select(CONTACT.c.id, CONTACT.c.phone, CONTACT.c.name).where(
            CONTACT.c.push_status.in_(_TODO), CONTACT.c.id > last
        )
        if batch_id is not None:
            query = query.where(CONTACT.c.id.in_(batch_members([batch_id])))
        with engine.connect() as conn:
            rows = [
                (int(i), str(p), n) for i, p, n in conn.execute(query.order_by(CONTACT.c.id).limit(_PAGE))
            ]
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def _push_contacts(
    engine: Engine, pusher: _Pusher, batch_id: int | None, max_bytes: int, max_records: int
) -> None:
    center, totals = pusher.center, pusher.report.contacts
    for page in _contact_pages(engine, batch_id):
        records = [ContactRecord(name=name or phone, phones=[phone]) for _, phone, name in page]
        for span in _batches(records, center.contacts_request_size, max_bytes, max_records):
            outcomes = list(pusher.deliver(center.push_contacts, records[span.start : span.stop]))
            _record(
                engine, CONTACT, [(page[span.start + i][0], status, error) for i, status, error in outcomes]
            )
            _count(totals, outcomes)


def _push_opportunities(
    engine: Engine, pusher: _Pusher, batch_id: int | None, max_bytes: int, max_records: int
) -> None:
    center, totals = pusher.center, pusher.report.opportunities
    last = 0
    while True:
        query = (
            select(OPPORTUNITY.c.id, CONTACT.c.name, CONTACT.c.phone)
            .add_columns(OPPORTUNITY.c.product, OPPORTUNITY.c.comment, OPPORTUNITY.c.qq)
            .join(CONTACT, CONTACT.c.id == OPPORTUNITY.c.contact_id)
            .where(OPPORTUNITY.c.push_status.in_(_TODO), OPPORTUNITY.c.id > last)
            .order_by(OPPORTUNITY.c.id)
            .limit(_PAGE)
        )
        if batch_id is not None:
            query = query.where(OPPORTUNITY.c.batch_id == batch_id)
        with engine.connect() as conn:
            page = conn.execute(query).all()
        if not page:
            return
        last = int(page[-1][0])
        records = [
            OpportunityRecord(name or "", str(phone), str(product), comment or "", qq or "")
            for _, name, phone, product, comment, qq in page
        ]
        for span in _batches(records, center.opportunities_request_size, max_bytes, max_records):
            outcomes = list(pusher.deliver(center.push_opportunities, records[span.start : span.stop]))
            _record(engine, OPPORTUNITY, [(int(page[span.start + i][0]), s, e) for i, s, e in outcomes])
            _count(totals, outcomes)


def _record(engine: Engine, table: Table, outcomes: list[tuple[int, str, str | None]]) -> None:
    """Store each row's push status right after its batch, so a re-run skips it."""
    now = utcnow()
    by_status: dict[tuple[str, str | None], list[int]] = {}
    for row_id, status, error in outcomes:
        by_status.setdefault((status, error), []).append(row_id)
    with engine.begin() as conn:
        for (status, error), ids in by_status.items():
            conn.execute(
                update(table)
                .where(table.c.id.in_(ids))
                .values(push_status=status, push_error=error, pushed_at=now if status != "failed" else None)
            )


def _count(totals: PushTotals, outcomes: list[tuple[int, str, str | None]]) -> None:
    for _, status, _ in outcomes:
        setattr(totals, status, getattr(totals, status) + 1)
