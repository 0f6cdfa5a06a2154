"""`python -m bench.pacing --contacts 2000 --channels 30`: closed-loop pacing against a fixed rate.

Both dialers call the same contacts on a simulator with exactly `--channels` channels and no
waiting line (any overrun is answered 486, as a trunk without queueing does). Figures come from
the simulator's ground truth:
- peak channels in use and the number of 486 answers;
- mean channel utilisation while work was pending (from the first call until the last one
  started: after that nothing is left to fill a freed channel);
- makespan against the theoretical minimum = the holding time of all calls made / channels
  (= contacts x mean holding time / channels when every contact is called once).
The fixed-rate dialer sends N calls per minute with N = channels / mean holding time, the best
rate an older dialer could be configured with, and re-sends a call refused with 486 later.
"""

from __future__ import annotations

import argparse
import logging
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from batch_dialer.callcenter import CenterBusy, connect
from batch_dialer.callcenter.simulator import SimulatorConfig, plan_call, start_in_thread
from batch_dialer.campaigns.campaign_options import CampaignOptions
from batch_dialer.campaigns.database import open_database
from batch_dialer.campaigns.lifecycle import start
from batch_dialer.campaigns.models import Campaign, Contact, table_of
from batch_dialer.campaigns.progress import campaign_progress
from batch_dialer.scheduler.embedded import EmbeddedEngine
from batch_dialer.scheduler.service import Intervals
from batch_dialer.workers.runtime import Timings


def phones_for(count: int) -> list[str]:
    return [f"139{i:08d}" for i in range(count)]


def mean_holding_real(seed: int, phones: list[str], speed: float) -> float:
    """The planned mean holding time of first calls, in real seconds (what a fixed-rate dialer tunes to)."""
    return sum(plan_call(seed, p, 1).holding_s for p in phones) / len(phones) / speed


def figures(truth: dict[str, Any], channels: int, speed: float) -> dict[str, float]:
    calls = [c for c in truth["calls"].values() if c["started_at"] is not None]
    first = min(c["started_at"] for c in calls)
    last_start = max(c["started_at"] for c in calls)
    last_end = max(c["ended_at"] for c in calls)
    busy_in_window = sum(max(0.0, min(c["ended_at"], last_start) - c["started_at"]) for c in calls)
    total_holding = sum(c["ended_at"] - c["started_at"] for c in calls)
    minimum = total_holding / channels
    makespan = last_end - first
    return {
        "calls": len(calls),
        "peak": truth["peak_channels"],
        "rejected_486": truth["rejected_486"],
        "utilisation": busy_in_window / (channels * (last_start - first)) if last_start > first else 0.0,
        "makespan_s": makespan,
        "minimum_s": minimum,
        "ratio": makespan / minimum,
        "mean_holding_s": total_holding / len(calls),
    }


def run_closed_loop(
    phones: list[str], channels: int, speed: float, seed: int, pace: float
) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        engine = open_database(f"sqlite:///{Path(tmp) / 'bench.db'}")
        with engine.begin() as conn:
            conn.execute(insert(table_of(Contact)), [{"phone": p, "name": "客户"} for p in phones])
        columns = CampaignOptions.build(
            name="bench", kind="tts", all_contacts=True, toneid=20, tts=["ttsabc=您好"],
            window=["00:00-24:00"], max_attempts=1, channels=channels,
        ).to_campaign_columns()  # fmt: skip
        columns.update(status="draft", ivr_max_seconds=2)
        with engine.begin() as conn:
            conn.execute(insert(table_of(Campaign)).values(**columns))
        config = SimulatorConfig(channels=channels, waiting_line=0, speed=speed, seed=seed)
        with start_in_thread(config) as sim:
            centre = connect(sim.base_url, None)
            start(engine, "bench", datetime.now(UTC))
            with EmbeddedEngine(
                engine,
                centre,
                timings=Timings(poll_interval_s=0.5, claim_lease_s=15),
                intervals=Intervals(pace=pace, polls=0.25, recover=2.0, lifecycle=0.5),
                threads=16,
                worker_timeout_ms=10,
            ):
                while campaign_progress(engine, 1)["status"] != "completed":
                    time.sleep(0.5)
            truth = sim.center.truth()
        engine.dispose()
    return figures(truth, channels, speed)


def run_fixed_rate(phones: list[str], channels: int, speed: float, seed: int) -> dict[str, float]:
    holding = mean_holding_real(seed, phones, speed)
    interval = holding / channels  # N calls per minute = channels / holding x 60
    config = SimulatorConfig(channels=channels, waiting_line=0, speed=speed, seed=seed)
    with start_in_thread(config) as sim:
        centre = connect(sim.base_url, None)
        queue = [(p, 0) for p in phones]
        t0 = time.monotonic()
        sent = 0
        while queue:
            phone, tries = queue.pop(0)
            due = t0 + sent * interval
            time.sleep(max(0.0, due - time.monotonic()))
            try:
                centre.submit_tts_call(f"fixed-{phone}-{tries}", phone, 20, {"ttsabc": "您好"})
            except CenterBusy:
                queue.append((phone, tries + 1))  # an older dialer re-sends it later
            sent += 1
        while sim.center.truth()["channels_in_use"]:
            time.sleep(0.2)
        truth = sim.center.truth()
    return figures(truth, channels, speed)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--contacts", type=int, default=2000)
    parser.add_argument("--channels", type=int, default=30)
    parser.add_argument("--speed", type=float, default=20.0, help="simulator clock speed-up")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--pace", type=float, default=0.05, help="pacer tick in seconds")
    args = parser.parse_args()
    logging.getLogger("apscheduler").setLevel(logging.ERROR)  # "tick skipped" notes at a 50 ms tick
    phones = phones_for(args.contacts)
    print(
        f"{args.contacts} contacts, {args.channels} channels, simulator speed x{args.speed:g}, "
        f"planned mean holding {mean_holding_real(args.seed, phones, args.speed):.2f} s real"
    )
    ours = run_closed_loop(phones, args.channels, args.speed, args.seed, args.pace)
    fixed = run_fixed_rate(phones, args.channels, args.speed, args.seed)
    print(f"{'':28}{'closed loop':>14}{'fixed rate':>14}   target")
    rows = [
        ("calls placed", "calls", "{:.0f}", ""),
        ("peak channels in use", "peak", "{:.0f}", f"<= {args.channels}"),
        ("486 answers", "rejected_486", "{:.0f}", "0"),
        ("utilisation while pending", "utilisation", "{:.1%}", ">= 95%"),
        ("makespan (s)", "makespan_s", "{:.1f}", ""),
        ("theoretical minimum (s)", "minimum_s", "{:.1f}", ""),
        ("makespan / minimum", "ratio", "{:.3f}", "<= 1.05"),
    ]
    for label, key, fmt, target in rows:
        print(f"{label:28}{fmt.format(ours[key]):>14}{fmt.format(fixed[key]):>14}   {target}")
    ok = (
        ours["utilisation"] >= 0.95
        and ours["rejected_486"] == 0
        and ours["peak"] <= args.channels
        and ours["ratio"] <= 1.05
    )
    print("targets met" if ok else "targets NOT met")


if __name__ == "__main__":
    main()
