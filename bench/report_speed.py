"""How fast is a campaign report over N attempts, against raw baselines measured in the same run.

    python -m bench.report_speed --attempts 1000000

Fills a fresh SQLite database (or --database-url) with one synthetic campaign, then in separate child
processes (so each peak RSS is its own):
  * ours: build_summary (the aggregation), then XLSX, HTML and CSV files;
  * baseline: one pandas read_sql of the attempt table + the same groupbys (outcomes, per task,
    per attempt number, local hour, local day, satisfaction keys);
  * raw writers: XlsxWriter in constant_memory mode (write_string / write_number) and csv.writer,
    writing as many rows x columns of plain strings and numbers from a list, no database.
Prints both aggregation times and their ratio (target <= 2x); the detail rows/s of our XLSX and CSV
files (the whole file: summary sheets, detail, rejected rows; target >= 50k rows/s) next to the raw
writers' rows/s and the ratio; the HTML time and peak RSS.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import random
import resource
import sys
import tempfile
import time
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert

from batch_dialer.campaigns.database import open_database
from batch_dialer.campaigns.models import (
    CallAttempt,
    CallTask,
    Campaign,
    Contact,
    ImportBatch,
    ImportBatchContact,
    Opportunity,
)

CAMPAIGN = "bench"
TZ = "Asia/Shanghai"
START = datetime(2024, 5, 6, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
OUTCOMES = (
    ("answered", 0.42),
    ("busy", 0.22),
    ("power_off", 0.16),
    ("failed", 0.08),
    ("empty", 0.05),
    ("unknown", 0.07),
)
KEYS = ("1", "1", "2", "2", "2", "3", "4", "5", None)


def _pick(rng: random.Random) -> str:
    roll, acc = rng.random(), 0.0
    for outcome, share in OUTCOMES:
        acc += share
        if roll < acc:
            return outcome
    return "unknown"


def fill(engine: Engine, attempts: int, seed: int = 7, chunk: int = 50_000) -> tuple[int, int]:
    """One campaign with ``attempts`` placed attempts over ~attempts/2 contacts; returns (contacts, tasks)."""
    rng = random.Random(seed)
    contacts: list[dict[str, Any]] = []
    tasks: list[dict[str, Any]] = []
    rows: list[dict[str, Any]] = []
    made = contact_id = 0
    with engine.begin() as conn:
        conn.execute(insert(Campaign.__table__), [{"id": 1, "name": CAMPAIGN, "kind": "tts", "tz": TZ}])  # type: ignore[attr-defined]
        conn.execute(insert(ImportBatch.__table__), [{"id": 1, "file_name": "bench.xlsx"}])  # type: ignore[attr-defined]

    def flush(final: bool = False) -> None:
        if len(rows) < chunk and not final:
            return
        with engine.begin() as conn:
            models: tuple[Any, ...] = (Contact, CallTask, CallAttempt)
            for model, batch in zip(models, (contacts, tasks, rows), strict=True):
                if batch:
                    conn.execute(insert(model.__table__), batch)
            if contacts:
                conn.execute(
                    insert(ImportBatchContact.__table__),  # type: ignore[attr-defined]
                    [{"batch_id": 1, "contact_id": c["id"], "row_number": c["id"]} for c in contacts],
                )
                conn.execute(
                    insert(Opportunity.__table__),  # type: ignore[attr-defined]
                    [{"contact_id": c["id"], "product": f"产品{c['id'] % 4}"} for c in contacts],
                )
        contacts.clear()
        tasks.clear()
        rows.clear()

    while made < attempts:
        contact_id += 1
        phone = f"13{contact_id:09d}"
        contacts.append({"id": contact_id, "phone": phone, "name": f"客户{contact_id}", "company": "某公司"})
        state, keys, last, n = "exhausted", None, None, 0
        moment = START + timedelta(days=rng.randrange(10), minutes=rng.randrange(12 * 60))
        for n in range(1, 4):
            if made >= attempts:
                break
            outcome = _pick(rng)
            key = rng.choice(KEYS) if outcome == "answered" else None
            rows.append(
                {
                    "task_id": contact_id,
                    "campaign_id": 1,
                    "attempt_no": n,
                    "phone": phone,
                    "token": f"c1-t{contact_id}-a{n}",
                    "state": "unknown" if outcome == "unknown" else "final",
                    "outcome": outcome,
                    "keys": {"satisfact": key} if key else None,
                    "placed_at": moment,
                    "answered_at": moment if outcome == "answered" else None,
                    "finished_at": moment,
                }
            )
            made += 1
            last = outcome
            moment += timedelta(minutes=30 + rng.randrange(120))
            if outcome == "answered":
                state, keys = "done", ({"satisfact": key} if key else None)
                break
            if outcome == "empty":
                state = "invalid"
                break
        else:
            state = "exhausted"
        if state == "exhausted" and n < 3 and made >= attempts:
            state = "pending"
        tasks.append(
            {
                "id": contact_id,
                "campaign_id": 1,
                "contact_id": contact_id,
                "phone": phone,
                "state": state,
                "attempts": n,
                "last_outcome": last,
                "keys": keys,
                "next_attempt_at": moment if state == "pending" else None,
            }
        )
        flush()
    flush(final=True)
    return contact_id, contact_id


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_ours(url: str, out_dir: str, queue: Any) -> None:
    from batch_dialer.reports import build_summary, export_report
    from batch_dialer.reports.csv_report import write_csv
    from batch_dialer.reports.html_report import write_html
    from batch_dialer.reports.xlsx_report import write_xlsx

    engine = open_database(url)
    figures: dict[str, float] = {}
    t0 = time.perf_counter()
    summary = build_summary(engine, CAMPAIGN)
    figures["aggregate_s"] = time.perf_counter() - t0
    figures["rss_after_aggregate_mb"] = _peak_rss_mb()
    out = Path(out_dir)
    with engine.connect() as conn:
        for fmt, write in (
            ("xlsx", lambda p: write_xlsx(conn, summary, p)),
            ("html", lambda p: write_html(summary, p)),
            ("csv", lambda p: write_csv(conn, summary, p)),
        ):
            t0 = time.perf_counter()
            write(out / f"report.{fmt}")
            figures[f"{fmt}_s"] = time.perf_counter() - t0
            figures[f"{fmt}_mb"] = (out / f"report.{fmt}").stat().st_size / 1e6
    t0 = time.perf_counter()
    export_report(engine, CAMPAIGN, "xlsx", out / "exported.xlsx")
    figures["export_xlsx_s"] = time.perf_counter() - t0
    figures["peak_rss_mb"] = _peak_rss_mb()
    figures["attempts"] = summary.attempts
    figures["contacts"] = summary.contacts
    figures["answered"] = summary.answered
    engine.dispose()
    queue.put(figures)


def run_baseline(url: str, queue: Any) -> None:
    import pandas as pd

    engine = open_database(url)
    t0 = time.perf_counter()
    # A DBAPI connection: pandas 3.1's read_sql calls Row.values(), which SQLAlchemy 2.1 rows lack.
    raw = engine.raw_connection()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "only sqlite3 is tested" for psycopg
            dbapi: Any = raw.driver_connection
            df = pd.read_sql("SELECT * FROM call_attempt WHERE campaign_id = 1", dbapi)
    finally:
        raw.close()
    t_read = time.perf_counter() - t0
    placed = df[df["state"].isin(["placed", "final", "unknown"])]
    local = pd.to_datetime(placed["placed_at"]).dt.tz_localize("UTC").dt.tz_convert(TZ)
    answered = placed["outcome"] == "answered"
    placed = placed.assign(hour=local.dt.hour, day=local.dt.date, answered=answered)
    placed["outcome"].value_counts()
    per_task = (
        placed.sort_values(["task_id", "attempt_no"])
        .groupby("task_id")
        .agg(n=("attempt_no", "size"), last=("outcome", "last"), any_answered=("answered", "max"))
    )
    per_task["n"].value_counts()
    per_task["last"].value_counts()
    ordinal = placed.sort_values(["task_id", "attempt_no"]).groupby("task_id").cumcount() + 1
    placed.assign(ordinal=ordinal).groupby("ordinal")["answered"].agg(["size", "sum"])
    placed.groupby("hour")["answered"].agg(["size", "sum"])
    placed.groupby("day")["answered"].agg(["size", "sum"])
    keys = placed.loc[answered, "keys"].astype("string").str.extract(r'"satisfact"\s*:\s*"?(\w+)')[0]
    keys.value_counts()
    seconds = time.perf_counter() - t0
    queue.put(
        {
            "baseline_s": seconds,
            "baseline_read_s": t_read,
            "baseline_rows": len(df),
            "baseline_peak_rss_mb": _peak_rss_mb(),
        }
    )
    engine.dispose()


def _raw_rows(rows: int) -> list[tuple[Any, ...]]:
    """Detail-shaped rows (7 text, 1 integer, 2 date serials) of typical lengths, built in advance."""
    return [
        (
            *(f"客户{n}", f"138****{n % 10000:04d}", "产品1", 1 + n % 3, "接通", "1", "非常满意"),
            *(45418.375 + n / 1e6, 45418.5 + n / 1e6),
        )
        for n in range(rows)
    ]


def run_raw_writers(rows: int, out_dir: str, queue: Any) -> None:
    import csv

    from xlsxwriter import Workbook

    data = _raw_rows(rows)
    figures: dict[str, float] = {}
    t0 = time.perf_counter()
    wb = Workbook(str(Path(out_dir) / "raw.xlsx"), {"constant_memory": True})
    ws = wb.add_worksheet("明细")
    date = wb.add_format({"num_format": "yyyy-mm-dd h:mm:ss"})
    text, number = ws.write_string, ws.write_number
    for r, (a, b, c, d, e, f, g, h, i) in enumerate(data, start=1):
        text(r, 0, a)
        text(r, 1, b)
        text(r, 2, c)
        number(r, 3, d)
        text(r, 4, e)
        text(r, 5, f)
        text(r, 6, g)
        number(r, 7, h, date)
        number(r, 8, i, date)
    wb.close()
    figures["raw_xlsx_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    with (Path(out_dir) / "raw.csv").open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle, quoting=csv.QUOTE_NONNUMERIC).writerows(data)
    figures["raw_csv_s"] = time.perf_counter() - t0
    queue.put(figures)


def _child(target: Any, *args: Any) -> dict[str, float]:
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=target, args=(*args, queue))
    proc.start()
    result: dict[str, float] = queue.get()
    proc.join()
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--attempts", type=int, default=1_000_000)
    parser.add_argument("--database-url", help="default: a fresh SQLite file in a temporary directory")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="report-bench-") as tmp:
        url = args.database_url or f"sqlite:///{tmp}/bench.db"
        engine = open_database(url, auto_upgrade=True)
        t0 = time.perf_counter()
        contacts, _ = fill(engine, args.attempts)
        elapsed = time.perf_counter() - t0
        print(f"filled {args.attempts:,} attempts over {contacts:,} contacts in {elapsed:.1f} s")
        engine.dispose()
        base = _child(run_baseline, url)
        ours = _child(run_ours, url, tmp)
        base2 = _child(run_baseline, url)  # again, so cache warmth favours neither side
        raw = _child(run_raw_writers, int(ours["contacts"]), tmp)
        baseline = min(base["baseline_s"], base2["baseline_s"])
        print(
            f"baseline  read_sql + groupbys : {baseline:6.2f} s  "
            f"(read_sql {base['baseline_read_s']:.2f} s, "
            f"{int(base['baseline_rows']):,} rows, "
            f"peak RSS {base['baseline_peak_rss_mb']:.0f} MB)"
        )
        print(
            f"ours      build_summary (SQL) : {ours['aggregate_s']:6.2f} s  "
            f"ratio {ours['aggregate_s'] / baseline:.2f}x the baseline (target <= 2x)"
        )
        rows = int(ours["contacts"])
        for fmt in ("xlsx", "csv"):
            seconds, raw_seconds = ours[f"{fmt}_s"], raw[f"raw_{fmt}_s"]
            print(
                f"write {fmt:4s} (file only)        : {seconds:6.2f} s  "
                f"({ours[f'{fmt}_mb']:.1f} MB, {rows / seconds:,.0f} detail rows/s, target >= 50,000)"
            )
            print(
                f"  raw {fmt:4s} writer, same rows  : {raw_seconds:6.2f} s  "
                f"({rows / raw_seconds:,.0f} rows/s; ours at {raw_seconds / seconds:.2f}x its speed)"
            )
        print(f"write html (file only)        : {ours['html_s']:6.2f} s  ({ours['html_mb'] * 1000:.0f} kB)")
        print(f"export_report xlsx end to end : {ours['export_xlsx_s']:6.2f} s  (summary + file + rename)")
        print(
            f"peak RSS ours: after aggregation {ours['rss_after_aggregate_mb']:.0f} MB, "
            f"after writing all files {ours['peak_rss_mb']:.0f} MB"
        )
        print(json.dumps({**base, **ours, **raw, "ratio": ours["aggregate_s"] / baseline}), file=sys.stderr)


if __name__ == "__main__":
    main()
