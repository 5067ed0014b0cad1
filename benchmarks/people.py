"""Sellers over time: what hires, the ramp and attrition cost per replication.

Run: ``.venv/bin/python benchmarks/people.py [--old 16d0e6c] [--repeats 3]`` from a git
checkout. Every measurement runs in a fresh subprocess (``benchmarks/full_model.py``'s way:
the old commit's ``slasim`` is extracted with ``git archive`` and imported instead of this
checkout), interleaved over the repeats so that load changes hit every row alike. Rows, on the
baseline month (``scenarios/baseline.toml``), a replication with its metrics:

1. the old commit and this code with every people field absent, on the Python loop
   (``loop="python"``, where ``serve()`` gained the ramp's check) and on the default fast loop:
   the features off must cost nothing (ratios near 1);
2. this code with one hire and the default ramp (its handling factors run the Python loop),
   with a conversion-only ramp (compiled loop), and with attrition (3 % a month, replaced
   after 45 days; compiled loop).

Speeds are per CPU second of the measuring process; the load average is printed. Not part of
the tests.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd
from full_model import BASELINE, ROOT, extract, load

from slasim.render.text import format_table

OLD = "16d0e6c"  # issue 15 foundation: before hires, ramp and attrition
REPS = 20
HIRE = 'team.hires=[{shift="office", start=2026-04-13, sellers=1}]'

_CHILD = r"""
import gc, json, sys, time
src, loop, path, reps, overrides = sys.argv[1:6]
if src:
    sys.meta_path[:] = [f for f in sys.meta_path if "editable" not in repr(f)]
    sys.path.insert(0, src)
import numpy as np
try:  # this layout (issue 17)
    from slasim.engine.compile import prepare
    from slasim.engine.replication import run_replication
    from slasim.scenario.load import load_scenario
    from slasim.measure.metrics import MetricContext, replication_metrics
except ImportError:  # flat modules (the default --old, 16d0e6c)
    from slasim.engine import prepare, run_replication
    from slasim.loader import load_scenario
    from slasim.metrics import MetricContext, replication_metrics
scenario = load_scenario(path, overrides=json.loads(overrides))
model, ctx = prepare(scenario), MetricContext.from_scenario(scenario)
def one(seed):
    rep = run_replication(model, seed, loop=loop)
    replication_metrics(rep, ctx)
    return len(rep.leads)
one(np.random.SeedSequence(99))
seeds = np.random.SeedSequence(0).spawn(int(reps))
gc.collect()
start = time.process_time()
leads = sum(one(s) for s in seeds)
print(json.dumps({"leads": leads, "seconds": time.process_time() - start}))
"""


def child(src: str, loop: str, overrides: list[str]) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, src, loop, str(BASELINE), str(REPS), json.dumps(overrides)],
        check=True, capture_output=True, text=True, cwd=ROOT,
    ).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", default=OLD, help=f"commit to compare with (default {OLD})")
    parser.add_argument("--repeats", type=int, default=3, help="interleaved rounds (best kept)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        old = str(extract(args.old, Path(tmp)))
        rows = [
            (f"commit {args.old}, python loop", old, "python", []),
            ("this code, python loop", "", "python", []),
            (f"commit {args.old}, fast loop", old, "fast", []),
            ("this code, fast loop", "", "fast", []),
            ("+ hire, default ramp (python loop)", "", "fast", [HIRE, 'team.ramp="default"']),
            ("+ hire, conversion-only ramp", "", "fast",
             [HIRE, "team.ramp={conversion_factor=[0.3, 0.6, 0.9]}"]),
            ("+ attrition 3 %/month, replaced", "", "fast",
             ["team.attrition={monthly_rate=0.03, replacement_days=45}"]),
        ]
        print(f"Baseline month with its metrics, {REPS} replications per run, best of "
              f"{args.repeats} interleaved rounds; {load()}")
        best: dict[str, dict[str, float]] = {}
        for _ in range(args.repeats):
            for name, src, loop, overrides in rows:
                r = child(src, loop, overrides)
                if name not in best or r["seconds"] < best[name]["seconds"]:
                    best[name] = r
    ref = {"python": best[rows[0][0]], "fast": best[rows[2][0]]}
    # Time ratios (above 1: slower): features off against the old commit on the same loop;
    # every row against the old commit's default (fast) loop.
    table = pd.DataFrame([{
        "version": name,
        "ms/replication": f"{best[name]['seconds'] / REPS * 1e3:.2f}",
        "time / old, same loop": (
            f"{best[name]['seconds'] / ref[loop]['seconds']:.2f}x" if not overrides else ""
        ),
        "time / old fast": f"{best[name]['seconds'] / ref['fast']['seconds']:.2f}x",
    } for name, _, loop, overrides in rows]).set_index("version")
    print(format_table(table, {}))
    print(f"Done; {load()}")


if __name__ == "__main__":
    main()
