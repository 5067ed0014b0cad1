"""Mutation score per module from mutmut's results (mutants/**/*.meta), for `make mutation`.

Score = (killed + timeout) / (mutants tested); "no tests" (no selected test reaches the
mutated function) counts as not killed, so a module cannot score by being untested.
Mutants listed in docs/mutation.md as equivalent are reported apart and left out of the score
(an equivalent mutant cannot be killed by any test). Exit status 1 when a module is below
--min (default 85 %).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import defaultdict
from pathlib import Path

KILLED = {1, 3, 36, 24, -24, 152, 255, 37}  # killed, pytest internal error, timeouts, type check
ROOT = Path(__file__).resolve().parent.parent


def equivalent() -> set[str]:
    """Mutant names marked equivalent in docs/mutation.md (lines `- equivalent: <name>`)."""
    doc = ROOT / "docs" / "mutation.md"
    if not doc.exists():
        return set()
    return set(re.findall(r"^- equivalent: `([^`]+)`", doc.read_text(encoding="utf-8"), re.M))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--min", type=float, default=85.0)
    parser.add_argument("--survivors", action="store_true", help="list surviving mutants")
    args = parser.parse_args()
    skip = equivalent()
    rows: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # killed, tested, equivalent
    survivors: list[str] = []
    for meta in sorted((ROOT / "mutants").rglob("*.py.meta")):
        module = str(meta.relative_to(ROOT / "mutants"))[: -len(".meta")]
        data = json.loads(meta.read_text(encoding="utf-8"))
        for name, code in data.get("exit_code_by_key", {}).items():
            if code is None or code == 34:  # not checked / skipped
                continue
            if name in skip:
                rows[module][2] += 1
                continue
            rows[module][1] += 1
            if code in KILLED:
                rows[module][0] += 1
            else:
                survivors.append(f"{name} (exit {code})")
    if not rows:
        print("no mutation results: run `mutmut run` first", file=sys.stderr)
        return 2
    low = False
    print(f"{'module':40} {'killed':>7} {'tested':>7} {'equiv':>6} {'score':>7}")
    total_k = total_t = 0
    for module, (k, t, e) in sorted(rows.items()):
        score = 100.0 * k / t if t else 100.0
        low |= score < args.min
        total_k, total_t = total_k + k, total_t + t
        print(f"{module:40} {k:7d} {t:7d} {e:6d} {score:6.1f}%")
    print(f"{'all':40} {total_k:7d} {total_t:7d} {'':6} {100.0 * total_k / total_t:6.1f}%")
    if args.survivors:
        print("\nsurvivors:")
        print("\n".join(survivors))
    return 1 if low else 0


if __name__ == "__main__":
    sys.exit(main())
