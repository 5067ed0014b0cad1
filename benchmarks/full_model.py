"""The full model per replication: this code's event loops next to an older commit's engine.

Run: ``.venv/bin/python benchmarks/full_model.py [--quick] [--old 62441f8]`` from a git
checkout. Every measurement runs in a fresh subprocess, one after another, so the versions see
the same machine load; the old commit's ``slasim`` is extracted with ``git archive`` into a
temporary folder and imported from there instead of this checkout. Prints

1. the baseline scenario (``scenarios/baseline.toml``, ~1,450 leads a month): leads/s per
   replication for the old commit, this code's simpy reference loop
   (``run_replication(..., loop="simpy")``) and the default fast loop, as ratios to the old
   commit (with ``--python-loop`` also the pure-Python loop of both versions). A replication
   is what a worker does for ``slasim run``: simulate one month and compute its metrics (no
   records kept). Best of the repeats of ``REPS`` replications each;
2. scaling to ~1M leads on ``scenarios/textbook-erlang-a.toml`` (one replication with its
   metrics, no records): microseconds per lead and the peak memory above imports (tracemalloc,
   in a separate run, since tracing slows Python down), old commit and this code.

Speeds are per CPU second of the measuring process (``time.process_time``), which a busy
machine disturbs much less than wall time (the wall seconds are printed too); the machine's
load average is printed with the tables. Not part of the tests.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

import pandas as pd

from slasim.render.text import format_table

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.toml"
ERLANG_A = ROOT / "scenarios" / "textbook-erlang-a.toml"
OLD = "62441f8"  # the engine before issue 13 (simpy event loop, calendar lookups per retry)
REPS = 20
SCALE_DAYS = (4, 35, 347)  # ~11.5k, ~100k, ~1M leads at 2,880 leads a day

# The measuring child: imports slasim from argv[1] (or this checkout), runs one job, prints JSON.
_CHILD = r"""
import gc, json, sys, time, tracemalloc
src, loop, path, days, reps, traced = sys.argv[1:7]
if src:
    sys.meta_path[:] = [f for f in sys.meta_path if "editable" not in repr(f)]
    sys.path.insert(0, src)
import numpy as np
try:  # this layout (issue 17)
    from slasim.engine.compile import prepare
    from slasim.engine.replication import run_replication
    from slasim.scenario.load import load_scenario
    from slasim.measure.metrics import MetricContext, replication_metrics
except ImportError:
    try:  # the first folders (84bb7da): the engine in one module
        from slasim.engine.core import prepare, run_replication
        from slasim.scenario.load import load_scenario
        from slasim.measure.metrics import MetricContext, replication_metrics
    except ImportError:  # flat modules (e.g. the default 62441f8)
        from slasim.engine import prepare, run_replication
        from slasim.loader import load_scenario
        from slasim.metrics import MetricContext, replication_metrics
overrides = [f"horizon.days={days}"] if int(days) else []
scenario = load_scenario(path, overrides=overrides)
model, ctx = prepare(scenario), MetricContext.from_scenario(scenario)
kw = {"loop": loop} if loop else {}
import inspect
if "only_metrics" in inspect.signature(run_replication).parameters:  # records without seller..
    kw["only_metrics"] = True
def one(seed):
    rep = run_replication(model, seed, **kw)
    replication_metrics(rep, ctx)
    return len(rep.leads)
one(np.random.SeedSequence(99))  # warm-up: first calls, caches
seeds = np.random.SeedSequence(0).spawn(int(reps))
gc.collect()
if traced == "1":
    tracemalloc.start()
    leads = one(seeds[0])
    peak = tracemalloc.get_traced_memory()[1]
    print(json.dumps({"leads": leads, "peak": peak}))
else:
    start, cpu = time.perf_counter(), time.process_time()
    leads = sum(one(s) for s in seeds)
    print(json.dumps({"leads": leads, "wall": time.perf_counter() - start,
                      "seconds": time.process_time() - cpu}))
"""


def extract(commit: str, into: Path) -> Path:
    """``slasim/`` of ``commit`` (git archive) under ``into``."""
    data = subprocess.run(
        ["git", "-C", str(ROOT), "archive", commit, "slasim"],
        check=True, capture_output=True,
    ).stdout
    with tarfile.open(fileobj=BytesIO(data)) as tar:
        tar.extractall(into, filter="data")
    return into


def child(src: str, loop: str, path: Path, days: int, reps: int, traced: bool) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, src, loop, str(path), str(days), str(reps),
         "1" if traced else "0"],
        check=True, capture_output=True, text=True, cwd=ROOT,
    ).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} CPUs"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one repeat, scaling up to ~100k")
    parser.add_argument("--old", default=OLD, help=f"commit to compare with (default {OLD})")
    parser.add_argument(
        "--python-loop", action="store_true",
        help="also the pure-Python loop (loop='python') of both versions (--old must have it)",
    )
    args = parser.parse_args()
    repeats = 1 if args.quick else 3
    scale_days = SCALE_DAYS[:2] if args.quick else SCALE_DAYS

    with tempfile.TemporaryDirectory() as tmp:
        old_src = str(extract(args.old, Path(tmp)))
        versions = [
            (f"commit {args.old}", old_src, ""),
            ("this code, loop='simpy'", "", "simpy"),
            ("this code, fast loop", "", "fast"),
        ]
        if args.python_loop:
            versions += [(f"commit {args.old}, loop='python'", old_src, "python"),
                         ("this code, loop='python'", "", "python")]
        print(f"Baseline full model, {REPS} replications per run, best of {repeats}; "
              f"Python {platform.python_version()}, {platform.machine()}; {load()}")
        best: dict[str, dict[str, float]] = {}
        for _ in range(repeats):  # interleaved, so that load changes hit every version alike
            for name, src, loop in versions:
                r = child(src, loop, BASELINE, 0, REPS, traced=False)
                if name not in best or r["seconds"] < best[name]["seconds"]:
                    best[name] = r
        ref = best[versions[0][0]]
        ref_rate = ref["leads"] / ref["seconds"]
        rows = [{
            "version": name, "leads": int(r["leads"]), "wall s": r["wall"], "CPU s": r["seconds"],
            "ms/replication": r["seconds"] / REPS * 1e3, "leads/s": r["leads"] / r["seconds"],
            "vs old": r["leads"] / r["seconds"] / ref_rate,
        } for name, r in best.items()]
        print(format_table(pd.DataFrame(rows).set_index("version"), {
            "leads": "{:,}", "wall s": "{:.2f}", "CPU s": "{:.2f}", "ms/replication": "{:.1f}",
            "leads/s": "{:,.0f}", "vs old": "{:.2f}x",
        }))

        print(f"\nScaling: one replication of {ERLANG_A.name} with its metrics, no records; "
              f"peak MiB above imports (tracemalloc, separate run); {load()}")
        scale = []
        for days in scale_days:
            for name, src, loop in (versions[0], versions[2]):
                timed = child(src, loop, ERLANG_A, days, 1, traced=False)
                peak = child(src, loop, ERLANG_A, days, 1, traced=True)["peak"] / 2**20
                scale.append({
                    "version": name, "days": days, "leads": int(timed["leads"]),
                    "CPU s": timed["seconds"],
                    "us/lead": timed["seconds"] / timed["leads"] * 1e6, "peak MiB": peak,
                    "bytes/lead": peak * 2**20 / timed["leads"],
                })
        print(format_table(pd.DataFrame(scale).set_index("version"), {
            "leads": "{:,}", "CPU s": "{:.2f}", "us/lead": "{:.2f}", "peak MiB": "{:.1f}",
            "bytes/lead": "{:.0f}",
        }))
        print(f"\nDone; {load()}")


if __name__ == "__main__":
    main()
