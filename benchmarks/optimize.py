"""Wall time of ``slasim optimize`` on the baseline: this tree next to an older commit.

Run: ``.venv/bin/python benchmarks/optimize.py [--workers 2] [--seed 0] [--old 62441f8]
[--repeat 1]``. Checks the old commit out in a temporary git worktree, then runs the command
``slasim optimize scenarios/baseline.toml --workers W --seed S --out DIR`` with each tree in a
subprocess (same interpreter, same environment; old and new alternate when ``--repeat`` > 1),
and prints the wall times, their ratio, the replications simulated, whether the two
``proposal.toml`` files are identical, and the load average before and after (a loaded machine
makes every figure noisy; the ratio less so). Not part of the tests.
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.toml"
TARGET_SECONDS = 20.0


def _run(tree: Path, out: Path, workers: int, seed: int) -> tuple[float, int]:
    """Wall seconds of one ``slasim optimize`` with the code of ``tree``, and its replications."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    argv = [sys.executable, "-m", "slasim", "optimize", str(BASELINE), "--workers", str(workers),
            "--seed", str(seed), "--quiet", "--out", str(out)]
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=tree, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}):\n{done.stderr}")
    nfev = int(json.loads((out / "result.json").read_text())["nfev"])
    return wall, nfev


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
            nfev: dict[str, int] = {}
            for i in range(args.repeat):
                for name, tree in (("old", old_tree), ("new", ROOT)):
                    wall, nfev[name] = _run(tree, Path(tmp) / f"{name}{i}", args.workers,
                                            args.seed)
                    walls[name].append(wall)
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
    print(f"{'version':<16}{'wall s':>9}{'replications':>14}{'ms/rep':>9}")
    for name, label, wall in (("old", args.old, old), ("new", "this tree", new)):
        print(f"{label:<16}{wall:>9.1f}{nfev[name]:>14,}{wall / nfev[name] * 1000:>9.1f}")
    print(f"speed-up (old / new wall): {old / new:.2f}x")
    print(f"proposal.toml identical: {'yes' if same else 'NO'}")
    verdict = "meets" if new < TARGET_SECONDS else "misses"
    print(f"target: {verdict} the {TARGET_SECONDS:.0f} s goal (on 2 idle cores)")


if __name__ == "__main__":
    main()
