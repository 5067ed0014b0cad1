"""What a roster and breaks by rule cost: the baseline month staffed three ways, side by side.

Run: ``.venv/bin/python benchmarks/roster.py [--reps N] [--sellers N]``. Prints, with the
machine's load, for the baseline month with ``--sellers`` sellers on its one shift:

- ``prepare``: seconds to compile the scenario, best of 5 (a roster is read and turned into
  sellers here; the file is cached after the first read, as in a run);
- ``replication``: seconds per replication (best of 5 interleaved rounds of ``reps``, compiled
  loop);

for the weekly shift, the same shift as a per-seller roster (identical records), and the weekly
shift with breaks by rule (every 120 min, 15 min, staggered by 10), each as a ratio to the
weekly shift measured in the same run. Not part of the tests.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import numpy as np

from slasim.engine.compile import Model, prepare
from slasim.engine.replication import run_replication
from slasim.scenario.load import load_scenario
from slasim.scenario.schema import Breaks, Scenario

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.toml"


def per_seller_roster(scenario: Scenario, path: Path) -> Path:
    """The weekly shifts of ``scenario`` written as one row per seller and day."""
    cal = scenario.business_calendar()
    wd = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    lines = ["shift,seller,date,start,end"]
    for shift in scenario.team.shifts:
        for k in range(shift.sellers):
            for i in range(scenario.horizon.days):
                d = scenario.horizon.start + timedelta(days=i)
                if wd[d.weekday()] in shift.weekdays and d not in cal.holidays:
                    lines.append(f"{shift.name},s{k},{d},{shift.start},{shift.end}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def timed(models: dict[str, Model], reps: int, rounds: int = 5) -> dict[str, float]:
    """Best seconds per replication of each model; rounds interleave the models, so a load
    change on the machine hits all of them alike."""
    best = dict.fromkeys(models, float("inf"))
    for _ in range(rounds):
        for name, model in models.items():
            t = time.perf_counter()
            for seed in np.random.SeedSequence(1).spawn(reps):
                run_replication(model, seed)
            best[name] = min(best[name], (time.perf_counter() - t) / reps)
    return best


def prepared(scenario: Scenario) -> tuple[Model, float]:
    best, model = float("inf"), None
    for _ in range(5):
        t = time.perf_counter()
        model = prepare(scenario)
        best = min(best, time.perf_counter() - t)
    assert model is not None
    return model, best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=10, help="replications per timing round")
    parser.add_argument("--sellers", type=int, default=30, help="sellers on the shift")
    args = parser.parse_args()
    base = load_scenario(BASELINE, overrides=[f"team.shifts[0].sellers={args.sellers}"])
    run_replication(prepare(base), np.random.SeedSequence(0))  # compile once
    with tempfile.TemporaryDirectory() as folder:
        roster = per_seller_roster(base, Path(folder) / "roster.csv")
        variants = {
            "weekly shift": base,
            "per-seller roster": base.model_copy(update={"team": base.team.model_copy(
                update={"roster": str(roster)})}),
            "breaks by rule": base.model_copy(update={"team": base.team.model_copy(
                update={"breaks": Breaks(every_minutes=120, minutes=15, stagger_minutes=10)})}),
        }
        prepare(variants["per-seller roster"])  # the first read of the file, as a run does
        compiled = {name: prepared(s) for name, s in variants.items()}
    per_rep = timed({name: m for name, (m, _) in compiled.items()}, args.reps)
    rows = {name: (compiled[name][1], per_rep[name]) for name in variants}
    ref_prep, ref_rep = rows["weekly shift"]
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"baseline month, {args.sellers} sellers, {args.reps} reps x 5 rounds; "
          f"load average {load} on {os.cpu_count()} CPUs")
    print(f"{'staffing':<20}{'prepare s':>11}{'ratio':>8}{'replication s':>15}{'ratio':>8}")
    for name, (prep, rep) in rows.items():
        print(f"{name:<20}{prep:>11.4f}{prep / ref_prep:>8.2f}{rep:>15.4f}{rep / ref_rep:>8.2f}")


if __name__ == "__main__":
    main()
