"""`python -m bench.import_speed --rows 1000000`: the import against a raw baseline, same run.

CSV: the product (`import_file`: sniffing, header mapping, phone normalisation, de-duplication,
DNC and existing-contact checks, contacts + batch links + opportunities + rejects) against
`pandas.read_csv(dtype=str)` + sqlite3 `executemany` of the same rows into a fresh file.
XLSX: the product against a raw calamine read + the same insert. Each side runs in a fresh
interpreter so its peak RSS is its own.
"""

from __future__ import annotations

import argparse
import json
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

COLUMNS = ["姓名", "手机号码", "公司", "意向产品", "备注", "城市"]
SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗")
CITIES = ["北京", "上海", "广州", "深圳", "杭州", "成都", "武汉", "南京"]
PRODUCTS = ["宽带", "电视", "5G套餐", "宽带+电视"]


def make_frame(rows: int, seed: int = 1) -> pd.DataFrame:
    """A realistic list: ~97% clean mobiles, 1% repeats, 1% landlines/400, 1% damaged numbers."""
    rng = np.random.default_rng(seed)
    base = 13000000000 + rng.permutation(rows * 3)[:rows].astype(np.int64) * 7 % 6999999999
    phones = pd.Series(base.astype(str), dtype=object)
    kind = rng.random(rows)
    repeat = kind < 0.01
    phones[repeat] = phones.shift(1).fillna("13800138000")[repeat]
    landline = (kind >= 0.01) & (kind < 0.015)
    phones[landline] = [f"010-6{n % 10_000_000:07d}" for n in base[landline]]
    spaced = (kind >= 0.015) & (kind < 0.02)
    phones[spaced] = [f"+86 {p[:3]} {p[3:7]} {p[7:]}" for p in phones[spaced]]
    damaged = (kind >= 0.02) & (kind < 0.03)
    phones[damaged] = rng.choice(["1.38E+10", "12345", "", "无"], size=int(damaged.sum()))
    names = [SURNAMES[i % len(SURNAMES)] + "先生女士"[i % 4] for i in rng.integers(0, 1000, rows)]
    products = np.where(rng.random(rows) < 0.3, rng.choice(PRODUCTS, rows), "")
    return pd.DataFrame(
        {
            "姓名": names,
            "手机号码": phones,
            "公司": [f"某某科技{i % 500}号公司" for i in range(rows)],
            "意向产品": products,
            "备注": np.where(rng.random(rows) < 0.1, "老客户回访", ""),
            "城市": rng.choice(CITIES, rows),
        }
    )


def write_xlsx(frame: pd.DataFrame, path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("客户")
    sheet.append(["客户名单（基准测试）"])
    sheet.append(list(frame.columns))
    for row in frame.itertuples(index=False):
        sheet.append(list(row))
    book.save(path)


def _sqlite(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    return conn


def raw_baseline(source: Path, db: Path, kind: str) -> dict[str, Any]:
    started = time.perf_counter()
    if kind == "csv":
        frame = pd.read_csv(source, dtype=str, keep_default_na=False)
    else:
        frame = pd.read_excel(source, engine="calamine", dtype=str, header=1, keep_default_na=False)
    conn = _sqlite(db)
    columns = ", ".join(f"c{i} TEXT" for i in range(len(frame.columns)))
    conn.execute(f"CREATE TABLE raw_rows (id INTEGER PRIMARY KEY, {columns})")
    marks = ", ".join("?" * len(frame.columns))
    names = ", ".join(f"c{i}" for i in range(len(frame.columns)))
    conn.executemany(
        f"INSERT INTO raw_rows ({names}) VALUES ({marks})", frame.itertuples(index=False, name=None)
    )
    conn.commit()
    conn.close()
    return {"seconds": time.perf_counter() - started, "rows": len(frame)}


def product(source: Path, db: Path) -> dict[str, Any]:
    from batch_dialer.campaigns.database import open_database
    from batch_dialer.importers import import_file

    engine = open_database(f"sqlite:///{db}")  # schema creation is not part of the import
    started = time.perf_counter()
    result = import_file(source, engine)
    seconds = time.perf_counter() - started
    engine.dispose()
    return {"seconds": seconds, "rows": result.rows, "summary": result.summary()}


def _in_child(what: str, source: Path, db: Path, kind: str) -> dict[str, Any]:
    """Run one side in a fresh interpreter: its timing and its own peak RSS."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.import_speed", "--child", what, str(source), str(db), kind],
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def peak_rss_mb() -> float:
    """This process's own peak RSS. getrusage's ru_maxrss survives execve (a child would report the
    parent's peak when that is higher), so on Linux read VmHWM, which starts afresh at exec."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child(what: str, source: str, db: str, kind: str) -> None:
    measured = (
        raw_baseline(Path(source), Path(db), kind) if what == "raw" else product(Path(source), Path(db))
    )
    measured["max_rss_mb"] = peak_rss_mb()
    print(json.dumps(measured, ensure_ascii=False))


def compare(label: str, source: Path, work: Path, kind: str, rows: int) -> float:
    raw = _in_child("raw", source, work / f"raw_{kind}.db", kind)
    ours = _in_child("product", source, work / f"product_{kind}.db", kind)
    raw_rate, our_rate = rows / raw["seconds"], rows / ours["seconds"]
    ratio = our_rate / raw_rate
    print(f"{label}: {rows:,} rows ({source.stat().st_size / 1e6:.1f} MB)")
    for name, rate, side in (("raw baseline ", raw_rate, raw), ("dialer import", our_rate, ours)):
        print(
            f"  {name} {rate:>10,.0f} rows/s  {side['seconds']:6.2f} s  peak RSS {side['max_rss_mb']:6.0f} MB"
        )
    print(f"  ratio product/raw = {ratio:.2f}x")
    summary = ours["summary"]
    print(
        "  buckets: rows={rows} imported={imported} updated={updated} duplicates={duplicates} "
        "rejected={rejected} blank={blank_rows} opportunities={opportunities}".format(**summary)
    )
    return ratio


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        _child(*sys.argv[2:6])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=1_000_000, help="CSV rows")
    parser.add_argument("--xlsx-rows", type=int, default=100_000, help="XLSX rows (0 = skip)")
    parser.add_argument("--dir", type=Path, default=None, help="work directory (default: a temporary one)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as directory:
        work = Path(directory)
        csv_path = work / "bench.csv"
        make_frame(args.rows).to_csv(csv_path, index=False)
        ratio = compare("CSV", csv_path, work, "csv", args.rows)
        print(f"  target >= 0.5x: {'met' if ratio >= 0.5 else 'NOT met'}")
        if args.xlsx_rows:
            xlsx_path = work / "bench.xlsx"
            write_xlsx(make_frame(args.xlsx_rows, seed=2), xlsx_path)
            compare("XLSX", xlsx_path, work, "xlsx", args.xlsx_rows)


if __name__ == "__main__":
    main()
