"""A task's final outcome as one SQL expression, so summary and detail rows agree by construction."""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, and_, case, cast, func, literal
from sqlalchemy.sql.elements import ColumnElement

from batch_dialer.campaigns.models import CallTask, table_of

__all__ = ["final_outcome_expr", "key_value_expr"]

_T = table_of(CallTask).c


def final_outcome_expr() -> ColumnElement[str]:
    """done → answered; invalid → rejected when the centre refused the contact's data (400/420), else
    empty; dnc → dnc; unknown → unknown; exhausted / cancelled after a
    placement → the last attempt's outcome; still pending / in flight after a placement → in_progress;
    never placed → not_dialled."""
    placed = _T.attempts > 0
    return case(
        (_T.state == "done", literal("answered")),
        (and_(_T.state == "invalid", _T.last_outcome == "rejected"), literal("rejected")),
        (_T.state == "invalid", literal("empty")),
        (_T.state == "dnc", literal("dnc")),
        (_T.state == "unknown", literal("unknown")),
        (
            and_(_T.state.in_(("exhausted", "cancelled")), placed),
            func.coalesce(_T.last_outcome, literal("unknown")),
        ),
        (and_(_T.state == "exhausted", ~placed), literal("unknown")),
        (and_(_T.state.in_(("pending", "in_flight")), placed), literal("in_progress")),
        else_=literal("not_dialled"),
    )


def key_value_expr(keys_column: Any, variable: str) -> ColumnElement[str]:
    """The value of one IVR variable in a keys JSON column, as text (NULL when absent)."""
    return cast(keys_column[variable].as_string(), String)
