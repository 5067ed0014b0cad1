"""Wall time of ``slasim optimize`` on the baseline: this tree next to an older commit.

Run: ``.venv/bin/python benchmarks/optimize.py [--workers 2] [--seed 0] [--old 62441f8]
[--repeat 1]``. Checks the old commit out in a temporary git worktree, then runs the command
``slasim optimize scenarios/baseline.toml --workers W --seed S --out DIR`` with each tree in a
subprocess (same interpreter, same environment; old and new alternate when ``--repeat`` > 1),
and prints the wall and CPU times (worker processes included), their ratios, the replications
simulated, whether the two ``proposal.toml`` files are identical, and the load average before
and after (a loaded machine makes every figure noisy; the ratios less so). Not part of the
tests.
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _env import user_env  # this folder

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.toml"
TARGET_SECONDS = 20.0


def _cpu() -> float:
    """CPU seconds (user + system) of every finished child process and its children."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run(tree: Path, out: Path, workers: int, seed: int) -> tuple[float, float, int]:
    """Wall and CPU seconds of one ``slasim optimize`` with the code of ``tree`` (its worker
    processes included), and its replications."""
    env = user_env(tree)
    argv = [sys.executable, "-m", "slasim", "optimize", str(BASELINE), "--workers", str(workers),
            "--seed", str(seed), "--quiet", "--out", str(out)]
    cpu, start = _cpu(), time.perf_counter()
    done = subprocess.run(argv, cwd=tree, env=env, capture_output=True, text=True, check=False)
    wall, cpu = time.perf_counter() - start, _cpu() - cpu
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}):\n{done.stderr}")
    nfev = int(json.loads((out / "result.json").read_text())["nfev"])
    return wall, cpu, nfev


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--old", default="62441f8", help="commit to compare with")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each, alternating")
    args = parser.parse_args()
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="slasim-bench-") as tmp:
        old_tree = Path(tmp) / "old"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "--quiet",
                        str(old_tree), args.old], check=True)
        try:
            walls: dict[str, list[float]] = {"old": [], "new": []}
            cpus: dict[str, list[float]] = {"old": [], "new": []}
            nfev: dict[str, int] = {}
            for i in range(args.repeat):
                for name, tree in (("old", old_tree), ("new", ROOT)):
                    wall, cpu, nfev[name] = _run(tree, Path(tmp) / f"{name}{i}", args.workers,
                                                 args.seed)
                    walls[name].append(wall)
                    cpus[name].append(cpu)
            same = filecmp.cmp(Path(tmp) / "old0" / "proposal.toml",
                               Path(tmp) / "new0" / "proposal.toml", shallow=False)
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force",
                            str(old_tree)], check=False)
    load_after = os.getloadavg()
    old, new = statistics.median(walls["old"]), statistics.median(walls["new"])
    print(f"slasim optimize baseline, seed {args.seed}, --workers {args.workers}, "
          f"{os.cpu_count()} CPUs; load average {load_before[0]:.1f} before, "
          f"{load_after[0]:.1f} after (median of {args.repeat} run(s) each)")
    print(f"{'version':<16}{'wall s':>9}{'CPU s':>9}{'replications':>14}{'wall ms/rep':>13}")
    for name, label, wall in (("old", args.old, old), ("new", "this tree", new)):
        cpu = statistics.median(cpus[name])
        print(f"{label:<16}{wall:>9.1f}{cpu:>9.1f}{nfev[name]:>14,}"
              f"{wall / nfev[name] * 1000:>13.1f}")
    cpu_ratio = statistics.median(cpus["old"]) / statistics.median(cpus["new"])
    print(f"speed-up (old / new): wall {old / new:.2f}x, CPU {cpu_ratio:.2f}x")
    print(f"proposal.toml identical: {'yes' if same else 'NO'}")
    verdict = "meets" if new < TARGET_SECONDS else "misses"
    print(f"goal: {verdict} < {TARGET_SECONDS:.0f} s wall (the goal is for 2 idle cores; "
          "at a load above 1 the wall times are inflated)")


if __name__ == "__main__":
    main()
