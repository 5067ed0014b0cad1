"""Start-up and `run --workers` scaling, side by side with an older slasim (ratios, same run).

Run: ``.venv/bin/python benchmarks/startup.py [--old COMMIT] [--repeat N] [--run-repeat N]``.

The older version (default: 62441f8, before the lazy imports) is checked out with ``git
worktree add --detach`` under the system temp directory (reused if there) and run with the
same interpreter and packages, each version through ``PYTHONPATH``, so that only slasim's own
code differs. Old and new runs alternate, so both see the same machine load; the table gives
the best wall time of the repeats and the median (the load of the other processes on the
machine only ever adds time), the new/old ratio of the best times, and the load average
before and after.

Rows:

- ``slasim --help``, ``import slasim``;
- ``slasim check baseline --no-simulate`` (the analytic screen);
- ``slasim check baseline``: the default; the baseline's screen warns, so no simulation runs;
- ``slasim check ... sellers=8``: the screen finds no problem, so check simulates a few
  months (``staffing.QUICK_LEADS`` leads); its simulation cost is the difference to the
  ``--no-simulate`` row of the same scenario, printed below the table;
- ``slasim run baseline --reps 200 --seed 0`` with ``--workers 1`` and ``2``, and their ratio
  (the goal is 2 workers >= 1.8x 1 worker on 2 idle cores).

Not part of the tests; numbers are only comparable within one run.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from _env import user_env  # this folder

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.toml"
OLD = "62441f8"
# Eight sellers: Erlang C meets every target, so `check` runs its quick simulation.
WORKABLE = ("--set", "team.shifts[0].sellers=8")

#: One row per command: label and the CLI arguments (None: ``import slasim`` alone).
CASES: tuple[tuple[str, tuple[str, ...] | None], ...] = (
    ("slasim --help", ("--help",)),
    ("import slasim", None),
    ("check baseline --no-simulate", ("check", str(BASELINE), "--no-simulate")),
    ("check baseline (default)", ("check", str(BASELINE))),
    ("check sellers=8 --no-simulate", ("check", str(BASELINE), *WORKABLE, "--no-simulate")),
    ("check sellers=8 (quick simulation)", ("check", str(BASELINE), *WORKABLE)),
)
RUN = ("run", str(BASELINE), "--reps", "200", "--seed", "0", "--quiet")
# The entry point is slasim.cli.main since the folders, slasim.cli before (the default --old).
_CLI = """import sys
try:
    from slasim.cli.main import main
except ImportError:
    from slasim.cli import main
sys.exit(main(sys.argv[1:]))"""


@dataclass(frozen=True)
class Timing:
    """Wall seconds of the repeats and the CPU seconds (all processes) of the best one."""

    walls: tuple[float, ...]
    cpu: float

    @property
    def best(self) -> float:
        return min(self.walls)

    @property
    def median(self) -> float:
        return statistics.median(self.walls)


def old_tree(commit: str) -> Path:
    """A detached worktree of ``commit`` under the temp directory (created once)."""
    path = Path(tempfile.gettempdir()) / f"slasim-bench-{commit}"
    if not (path / "slasim" / "__init__.py").exists():
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(path), commit],
                       check=True, capture_output=True)
    return path


def run_once(tree: Path, argv: tuple[str, ...] | None) -> tuple[float, float]:
    """Wall and CPU seconds (this child and its worker processes) of one command."""
    code = ["-c", "import slasim"] if argv is None else ["-c", _CLI, *argv]
    env = user_env(tree)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, *code], cwd=tree, env=env, capture_output=True,
                          text=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{tree}: {' '.join(argv or ('import slasim',))} failed "
                         f"({done.returncode}):\n{done.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def measure(trees: dict[str, Path], argv: tuple[str, ...] | None,
            repeat: int) -> dict[str, Timing]:
    """``repeat`` runs per version, alternating versions so that both see the same load."""
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in trees}
    for _ in range(repeat):
        for name, tree in trees.items():
            runs[name].append(run_once(tree, argv))
    return {
        name: Timing(tuple(w for w, _ in r), min(r)[1]) for name, r in runs.items()
    }


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f} (1/5/15 min) on {os.cpu_count()} CPUs"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", default=OLD, help=f"commit to compare with (default {OLD})")
    parser.add_argument("--repeat", type=int, default=7, help="runs per start-up command")
    parser.add_argument("--run-repeat", type=int, default=3, help="runs per `run` command")
    parser.add_argument("--skip-run", action="store_true", help="start-up rows only")
    args = parser.parse_args(argv)

    trees = {"old": old_tree(args.old), "new": ROOT}
    print(f"slasim start-up: old = {args.old} ({trees['old']}), new = {ROOT}")
    print(f"python {sys.version.split()[0]}; load average before: {_load()}")
    print(f"best and median wall seconds of {args.repeat} runs (cpu: CPU seconds of the best)")
    print()
    header = (f"{'command':<36} {'old best':>9} {'old med':>8} {'new best':>9} {'new med':>8} "
              f"{'new cpu':>8} {'new/old':>8}")
    print(header)
    print("-" * len(header))
    results: dict[str, dict[str, Timing]] = {}
    for label, cli in CASES:
        t = measure(trees, cli, args.repeat)
        results[label] = t
        print(f"{label:<36} {t['old'].best:9.3f} {t['old'].median:8.3f} {t['new'].best:9.3f} "
              f"{t['new'].median:8.3f} {t['new'].cpu:8.3f} {t['new'].best / t['old'].best:8.2f}")
    quick = {
        name: results["check sellers=8 (quick simulation)"][name].best
        - results["check sellers=8 --no-simulate"][name].best
        for name in trees
    }
    print()
    print(f"check's quick simulation itself (with minus without it): old {quick['old']:.2f} s, "
          f"new {quick['new']:.2f} s")

    if not args.skip_run:
        print()
        print(f"slasim run baseline --reps 200 --seed 0: best of {args.run_repeat} runs")
        header = (f"{'version':<8} {'1 worker':>9} {'2 workers':>10} {'speed-up':>9} "
                  f"{'cpu (1)':>8} {'cpu (2)':>8}")
        print(header)
        print("-" * len(header))
        runs = {w: measure(trees, (*RUN, "--workers", str(w)), args.run_repeat) for w in (1, 2)}
        for name in trees:
            one, two = runs[1][name], runs[2][name]
            print(f"{name:<8} {one.best:9.2f} {two.best:10.2f} {one.best / two.best:8.2f}x "
                  f"{one.cpu:8.2f} {two.cpu:8.2f}")
        print(f"new/old: 1 worker {runs[1]['new'].best / runs[1]['old'].best:.2f}, "
              f"2 workers {runs[2]['new'].best / runs[2]['old'].best:.2f}")
    print()
    print(f"load average after: {_load()}")


if __name__ == "__main__":
    main()
