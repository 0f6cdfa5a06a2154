"""Group times by local hour and day without a time-zone database in SQL.

SQLite has no zones, so SQL groups by 15-minute UTC buckets (epoch // 900) and Python maps each
bucket to the campaign's local hour and day. Every real zone offset is a multiple of 15 minutes,
so the mapping is exact, and a campaign month is only ~3,000 buckets however many rows there are.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, cast, extract, func
from sqlalchemy.sql.elements import ColumnElement

__all__ = ["BUCKET_SECONDS", "bucket_expr", "bucket_local", "bucket_start_utc", "local_hours"]

BUCKET_SECONDS = 900


def bucket_expr(column: Any, dialect: str) -> ColumnElement[int]:
    """SQL for the 15-minute UTC bucket of a UTCDateTime column (stored naive UTC on both databases)."""
    if dialect == "sqlite":
        return cast(func.strftime("%s", column), Integer) // BUCKET_SECONDS
    # PostgreSQL: epoch of a timestamp without time zone counts it as UTC.
    return cast(func.floor(extract("epoch", column) / BUCKET_SECONDS), Integer)


def bucket_start_utc(bucket: int) -> datetime:
    return datetime.fromtimestamp(int(bucket) * BUCKET_SECONDS, UTC)


def bucket_local(bucket: int, tz: ZoneInfo) -> datetime:
    """The bucket's start in the campaign's local time."""
    return bucket_start_utc(bucket).astimezone(tz)


def local_hours(buckets: Iterable[int], tz: ZoneInfo) -> dict[int, datetime]:
    """Memoised bucket -> local hour start, for the few thousand distinct buckets of a query."""
    return {b: bucket_local(b, tz).replace(minute=0, second=0, microsecond=0) for b in set(buckets)}
