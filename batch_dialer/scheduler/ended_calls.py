"""Which calls ended since we last looked, from the centre's call log (Guoxin §21), so result polls go
to those calls instead of to every call in flight.

Our readings (docs/guoxin-contract.md, "engine readings"): ``first`` is a start id, so the log is tailed
from the largest id seen + 1, page by page (1,000 rows) until a short page; a row in
``STATE_RECEIVING`` ("通话中") is a call still going, so the tail restarts at the oldest such row until it
is settled (or ``RECEIVING_GIVE_UP_S`` has passed: a stuck row must not pin the tail for ever). Dates are
days at the centre: the query spans yesterday to tomorrow (UTC dates), which holds every local day of a
centre within ±12 h. A row names the callee, not our token: the hint is "a call to this number ended",
and only our placed attempts to that number are polled at once. A hint that never comes costs one slow
safety poll (``HINTED_POLL_FACTOR`` intervals), never a result.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from batch_dialer.callcenter.capabilities import CallLogQuery
from batch_dialer.callcenter.errors import CallCenterError
from batch_dialer.callcenter.results import CallLogEntry

__all__ = ["PAGE", "RECEIVING_GIVE_UP_S", "CallLogTail"]

log = logging.getLogger("batch_dialer.scheduler.ended_calls")

PAGE = 1000
#: the most pages one look reads (a first look at a busy day's log stops here and goes on next time)
MAX_PAGES = 20
RECEIVING = "STATE_RECEIVING"
RECEIVING_GIVE_UP_S = 600.0


class CallLogTail:
    """Reads the rows added to the call log since the last look; one per scheduler."""

    def __init__(self, log_source: CallLogQuery) -> None:
        self._log = log_source
        self._next_id: int | None = None  # None: not started (the first look reads today's log)
        self._receiving: dict[int, datetime] = {}  # row id → when first seen still going

    def ended_since_last(self, now: datetime) -> set[str] | None:
        """Callee numbers of calls that ended since the last look; None when the log could not be read
        (the caller then polls at the regular pace)."""
        first = self._start_id()
        ended: set[str] = set()
        newest = first - 1
        try:
            for _ in range(MAX_PAGES):
                rows = self._log.call_log_query(
                    (now - timedelta(days=1)).date(),
                    (now + timedelta(days=1)).date(),
                    first=first,
                    max_results=PAGE,
                )
                for row in rows:
                    newest = max(newest, row.id)
                    self._note(row, now, ended)
                if len(rows) < PAGE or max(r.id for r in rows) < first:
                    break
                first = max(r.id for r in rows) + 1
        except CallCenterError as exc:
            log.warning("call log not readable, polling every call in flight: %s", exc)
            return None
        self._next_id = max(self._next_id or 0, newest + 1)
        return ended

    def _start_id(self) -> int:
        if self._receiving:
            return min(self._receiving)
        return self._next_id or 0

    def _note(self, row: CallLogEntry, now: datetime, ended: set[str]) -> None:
        if row.state == RECEIVING:
            seen = self._receiving.setdefault(row.id, now)
            if (now - seen).total_seconds() > RECEIVING_GIVE_UP_S:
                del self._receiving[row.id]
            return
        settled = self._receiving.pop(row.id, None) is not None
        if row.callee and (settled or row.id >= (self._next_id or 0)):
            ended.add(row.callee)
