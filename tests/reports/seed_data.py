"""A small campaign with hand-counted figures, inserted with core inserts (as the engine would)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, insert

from batch_dialer.campaigns.models import (
    CallAttempt,
    CallTask,
    Campaign,
    Contact,
    ImportBatch,
    ImportBatchContact,
    Opportunity,
    RejectedRow,
)

#: The clock of the report: 2024-05-07 14:00 in Shanghai.
NOW = datetime(2024, 5, 7, 6, 0, tzinfo=UTC)


def utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2024, 5, day, hour, minute, tzinfo=UTC)


@dataclass(frozen=True)
class Seeded:
    campaign_id: int
    other_campaign_id: int
    captcha_campaign_id: int


def _ins(conn: Any, model: Any, rows: list[dict[str, Any]]) -> None:
    """Executemany needs the same keys in every row: the missing ones are NULL."""
    columns = {key for row in rows for key in row}
    if rows:
        conn.execute(insert(model.__table__), [{c: row.get(c) for c in columns} for row in rows])


def seed(engine: Engine) -> Seeded:
    """Survey campaign "survey" (id 1), a second campaign on the same contacts, a captcha campaign."""
    with engine.begin() as conn:
        _ins(
            conn,
            ImportBatch,
            [
                {"id": 1, "file_name": "list1.xlsx"},
                {"id": 2, "file_name": "list2.csv"},
                {"id": 3, "file_name": "unrelated.xlsx"},
            ],
        )
        names = {1: "张三", 2: "李四", 3: "王五", 4: "赵六", 5: "<b>钱七</b>", 6: "孙八"}
        first_batch = {i: 1 for i in range(1, 7)} | {i: 2 for i in (7, 8, 9, 10)} | {13: 3}
        _ins(
            conn,
            Contact,
            [
                {
                    "id": i,
                    "phone": f"138{i:04d}8000",
                    "name": names.get(i, f"客户{i}"),
                    "company": "公司",
                    "first_batch_id": first_batch.get(i),
                }
                for i in range(1, 14)
            ],
        )
        # batch membership: created by a batch (first_batch_id) or updated by one (a link row);
        # contact 12 existed before batch 2 updated it, contact 1 also has the link row that
        # databases from before first_batch_id-only membership hold (it must count once)
        _ins(
            conn,
            ImportBatchContact,
            [
                {"batch_id": 2, "contact_id": 12, "outcome": "updated"},
                {"batch_id": 1, "contact_id": 1, "outcome": "imported"},
            ],
        )
        _ins(
            conn,
            Opportunity,
            [{"contact_id": i, "product": "宽带"} for i in range(1, 6)]
            + [{"contact_id": i, "product": "电视"} for i in (1, 6, 7, 8)],
        )
        _ins(
            conn,
            RejectedRow,
            [
                {
                    "batch_id": 1,
                    "row_number": 5,
                    "reason": "invalid_phone",
                    "detail": "12345",
                    "values": {"电话": "12345"},
                },
                {
                    "batch_id": 1,
                    "row_number": 9,
                    "reason": "scientific_notation",
                    "values": {"电话": "1.38E+10"},
                },
                {"batch_id": 2, "row_number": 3, "reason": "dnc", "values": {"电话": "13900000000"}},
            ]
            + [{"batch_id": 3, "row_number": n, "reason": "invalid_phone", "values": {}} for n in range(5)],
        )
        _ins(
            conn,
            Campaign,
            [
                {"id": 1, "name": "survey", "kind": "tts", "tz": "Asia/Shanghai", "token_salt": "a1"},
                {"id": 2, "name": "other", "kind": "tts", "tz": "Asia/Shanghai", "token_salt": "a2"},
                {"id": 3, "name": "codes", "kind": "captcha", "tz": "Asia/Shanghai", "token_salt": "a3"},
            ],
        )
        sat = "satisfact"
        tasks: list[dict[str, Any]] = []
        attempts: list[dict[str, Any]] = []

        def task(tid: int, cid: int, state: str, n: int, keys: Any = None, **extra: Any) -> None:
            tasks.append(
                {
                    "id": tid,
                    "campaign_id": 1,
                    "contact_id": cid,
                    "phone": f"138{cid:04d}8000",
                    "state": state,
                    "attempts": n,
                    "keys": keys,
                    "last_outcome": extra.get("last_outcome"),
                    "next_attempt_at": extra.get("next_attempt_at"),
                }
            )

        def attempt(
            tid: int, no: int, state: str, outcome: str | None, at: datetime, key: str | None = None
        ) -> None:
            attempts.append(
                {
                    "task_id": tid,
                    "campaign_id": tasks[-1]["campaign_id"] if tid > 100 else 1,
                    "attempt_no": no,
                    "phone": next(t["phone"] for t in tasks if t["id"] == tid),
                    "token": f"c1-t{tid}-a{no}",
                    "state": state,
                    "outcome": outcome,
                    "keys": {sat: key} if key else None,
                    "placed_at": at if state != "abandoned" else None,
                    "answered_at": at if outcome == "answered" else None,
                    "finished_at": at if state == "final" else None,
                }
            )

        task(1, 1, "done", 1, {sat: "1"})
        attempt(1, 1, "final", "answered", utc(6, 1, 10), "1")
        task(2, 2, "done", 2, {sat: "2"})
        attempt(2, 1, "final", "busy", utc(6, 1, 20))
        attempt(2, 2, "final", "answered", utc(6, 3, 5), "2")
        task(3, 3, "done", 3, {sat: "1"})
        attempt(3, 1, "final", "power_off", utc(6, 1, 30))
        attempt(3, 2, "abandoned", None, utc(6, 1, 45))
        attempt(3, 3, "final", "busy", utc(6, 2, 0))
        attempt(3, 4, "final", "answered", utc(7, 1, 0), "1")
        task(4, 4, "done", 1, {sat: "5"})
        attempt(4, 1, "final", "answered", utc(6, 12, 0), "5")
        task(5, 5, "done", 1, None)
        attempt(5, 1, "final", "answered", utc(6, 12, 30))
        task(6, 6, "done", 1, {sat: "8"})
        attempt(6, 1, "final", "answered", utc(7, 2, 0), "8")
        task(7, 7, "invalid", 1, last_outcome="empty")
        attempt(7, 1, "final", "empty", utc(6, 1, 40))
        task(8, 8, "exhausted", 2, last_outcome="busy")
        attempt(8, 1, "final", "busy", utc(6, 1, 50))
        attempt(8, 2, "final", "busy", utc(6, 2, 50))
        task(9, 9, "pending", 1, last_outcome="power_off", next_attempt_at=utc(8, 2, 0))
        attempt(9, 1, "final", "power_off", utc(7, 3, 0))
        task(10, 10, "pending", 0)
        task(11, 11, "dnc", 0)
        task(12, 12, "in_flight", 1)
        attempt(12, 1, "placed", None, utc(7, 4, 0))
        # Another campaign on the same contacts: none of it may leak into "survey".
        tasks.append(
            {
                "id": 101,
                "campaign_id": 2,
                "contact_id": 1,
                "phone": "13800018000",
                "state": "done",
                "attempts": 1,
                "keys": {sat: "4"},
            }
        )
        attempt(101, 1, "final", "answered", utc(6, 5, 0), "4")
        attempts[-1]["token"] = "c2-t101-a1"
        # A captcha campaign: 3 contacts, 2 delivered.
        for tid, cid, state, outcome in (
            (201, 1, "done", "answered"),
            (202, 2, "done", "answered"),
            (203, 3, "exhausted", "power_off"),
        ):
            tasks.append(
                {
                    "id": tid,
                    "campaign_id": 3,
                    "contact_id": cid,
                    "phone": f"138{cid:04d}8000",
                    "state": state,
                    "attempts": 1,
                    "last_outcome": outcome,
                }
            )
            attempt(tid, 1, "final", outcome, utc(6, 6, 0))
            attempts[-1]["token"] = f"c3-t{tid}-a1"
        for row in tasks:
            for column in ("keys", "last_outcome", "next_attempt_at"):
                row.setdefault(column, None)
        _ins(conn, CallTask, tasks)
        _ins(conn, CallAttempt, attempts)
    return Seeded(campaign_id=1, other_campaign_id=2, captcha_campaign_id=3)
