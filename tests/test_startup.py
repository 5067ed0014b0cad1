"""Fast start-up: the light commands do not load the heavy libraries, and the lighter code
paths give the answers of the heavy ones.

The timings themselves are in ``benchmarks/startup.py`` (no timed tests); here the cause is
checked deterministically: each command runs in a fresh interpreter (this one already holds
every library) and reports the top-level packages it loaded.
"""

from __future__ import annotations

import dataclasses
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from slasim.measure.experiment import summarize
from slasim.planning.check import check_scenario
from slasim.planning.plan import plan_scenario, shift_queues
from slasim.render.text import format_rows, format_table
from slasim.scenario.load import load_scenario

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.toml"

_PROBE = """
import json, sys
from slasim.cli.main import main
try:
    code = main(json.loads(sys.argv[1]))
except SystemExit as exc:  # --help
    code = exc.code
print(json.dumps({"code": code, "modules": sorted(sys.modules)}), file=sys.stderr)
"""


def _loaded(argv: list[str]) -> set[str]:
    """Modules and top-level packages loaded by ``slasim ARGV`` in a fresh interpreter (which
    must exit with 0)."""
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, json.dumps(argv)],
        capture_output=True, text=True, cwd=ROOT, timeout=300, check=False,
    )
    report = json.loads(done.stderr.strip().splitlines()[-1])
    assert report["code"] == 0, done.stderr
    return {m for name in report["modules"] for m in (name, name.split(".")[0])}


def test_help_loads_no_numeric_library() -> None:
    # Building the whole parser (every subcommand registers its arguments) needs none of them.
    loaded = _loaded(["--help"])
    assert not loaded & {"numpy", "pandas", "scipy", "matplotlib", "simpy", "pydantic"}
    assert "slasim" in loaded  # the probe did run the CLI


def test_check_without_simulation_loads_no_pandas_scipy_or_engine() -> None:
    # The analytic screen: scenario (pydantic, numpy, holidays), Erlang C in pure Python, text
    # tables without pandas. scipy.special is needed only beyond 64 sellers in one shift.
    loaded = _loaded(["check", str(BASELINE), "--no-simulate"])
    assert not loaded & {"pandas", "scipy", "matplotlib", "simpy", "numba"}
    assert {"numpy", "pydantic"} <= loaded


def test_run_loads_neither_scipy_stats_nor_matplotlib() -> None:
    # run needs pandas (its tables) and scipy.special (t quantiles), not scipy.stats (~1 s to
    # import) nor matplotlib; the same holds for check's quick simulation, which calls the
    # same simulate().
    loaded = _loaded(["run", str(BASELINE), "--reps", "2", "--quiet"])
    assert {"pandas", "scipy.special", "simpy"} <= loaded
    assert not loaded & {"scipy.stats", "matplotlib"}


# Two-sided 95 % Student t quantiles t(0.975; df) from the published table (e.g. NIST/SEMATECH
# e-Handbook, table 1.3.6.7.2), given to 3 decimals: a tolerance of half a unit in the last
# place (5e-4) accepts exactly the correctly rounded values.
T_TABLE = {1: 12.706, 2: 4.303, 3: 3.182, 5: 2.571, 10: 2.228, 20: 2.086, 30: 2.042,
           60: 2.000, 100: 1.984}


@pytest.mark.parametrize(("df", "t"), sorted(T_TABLE.items()))
def test_summary_interval_uses_the_student_t_quantile(df: int, t: float) -> None:
    # k = df + 1 values 0, 1, 0, 1, ...: the half-width of the 95 % interval of the mean is
    # t(0.975; k - 1) * sd / sqrt(k), so the quantile summarize used is half * sqrt(k) / sd.
    k = df + 1
    values = np.arange(k, dtype=float) % 2
    table = pd.DataFrame({("m", "all"): values})
    row = summarize(table).iloc[0]
    used = (row["ci_high"] - row["mean"]) * math.sqrt(k) / values.std(ddof=1)
    assert used == pytest.approx(t, abs=5e-4)
    assert row["mean"] - row["ci_low"] == pytest.approx(row["ci_high"] - row["mean"], rel=1e-12)


def test_check_tables_render_as_pandas_renders_them() -> None:
    # format_rows replaces format_table(DataFrame) in `check`: the same text, cell for cell,
    # on the real check rows and on rows with long names, wide values and negative integers.
    @dataclasses.dataclass(frozen=True)
    class Row:
        name: str
        count: int
        share: float
        label: str

    cases = [
        [Row("a", 6, 0.5, "x")],
        [Row("a-very-long-shift-name", -12, 1.0, ""), Row("b", 3, float("inf"), "wide label")],
        [Row("hot", 1_234_567, 0.0, "y"), Row("w", 0, 0.123, "zz")],
    ]
    formats = {"share": "{:.0%}"}
    for rows in cases:
        frame = pd.DataFrame([dataclasses.asdict(r) for r in rows]).set_index("name")
        assert format_rows(rows, "name", formats) == format_table(frame, formats)
    for path in sorted((ROOT / "scenarios").glob("*.toml")):
        result = check_scenario(load_scenario(path))
        tier_formats = {"leads_in_horizon": "{:,.1f}", "share_arriving_off_duty": "{:.0%}",
                        "leads_per_month": "{:,.0f}", "attempts_per_lead": "{:.2f}",
                        "work_minutes_per_lead": "{:.1f}"}
        assert format_rows(result.tier_rows, "tier", tier_formats) == format_table(
            result.tiers, tier_formats)
        shift_formats = {"seller_hours_available": "{:,.0f}", "offered_load_erlang": "{:.2f}",
                         "effective_sellers": "{:.2f}", "utilization_on_duty": "{:.0%}"}
        assert format_rows(result.shift_rows, "shift", shift_formats) == format_table(
            result.shifts, shift_formats)
    with pytest.raises(TypeError, match="share"):
        format_rows(cases[0], "name")  # a float column without a format


@pytest.mark.parametrize("name", ["baseline.toml", "option-fast-response.toml",
                                  "textbook-mmn.toml"])
def test_shift_queues_are_the_rows_of_the_plan(name: str) -> None:
    # check reads shift_queues() for its Erlang C warnings; plan_scenario() builds its table
    # from the same queues: the numbers must be the plan's (option-fast-response has 2 shifts).
    scenario = load_scenario(ROOT / "scenarios" / name)
    queues = shift_queues(scenario)
    shifts = plan_scenario(scenario).shifts
    assert [(q.shift, q.tier) for q in queues] == list(shifts.index)
    for q in queues:
        row = shifts.loc[(q.shift, q.tier)]
        assert q.within_target_now == row["within_target_now"]
        assert q.sellers_working == row["sellers_working"]
        assert q.needed.sellers == row["sellers_needed"]
        assert q.needed.sellers_scheduled == row["sellers_needed_scheduled"]
        assert q.offered_load == row["offered_load_erlang"]


_FIRST_REPLICATION = """
import json, sys
import slasim.measure.executors as executors
from slasim.cli.main import main

real, seen = executors.run_task, []

def first(task):
    if not seen:
        seen.append(sorted(sys.modules))
    return real(task)

executors.run_task = first  # run_batches looks it up when it maps the tasks
code = main(["run", sys.argv[1], "--reps", "2", "--quiet", "--workers", "1"])
print(json.dumps({"code": code, "modules": seen[0]}), file=sys.stderr)
"""


def test_replications_start_before_the_table_libraries_load() -> None:
    # A run's serial part is what comes before its first replication and after its last: the
    # tables' libraries (pandas, scipy.special) load after the simulation, so that with
    # --workers the parent loads them while the workers simulate (slasim.cli.run).
    done = subprocess.run(
        [sys.executable, "-c", _FIRST_REPLICATION, str(BASELINE)],
        capture_output=True, text=True, cwd=ROOT, timeout=300, check=False,
    )
    report = json.loads(done.stderr.strip().splitlines()[-1])
    assert report["code"] == 0
    loaded = {m.split(".")[0] for m in report["modules"]}
    assert "simpy" in loaded  # the probe did see the engine ready to run
    assert not loaded & {"pandas", "scipy", "matplotlib"}


def test_the_parent_loads_the_tables_at_the_first_result_of_its_workers() -> None:
    from slasim.cli.run import _loading_while_workers_run

    calls: list[tuple[int, int]] = []

    def tick(done: int, total: int) -> None:
        calls.append((done, total))

    assert _loading_while_workers_run(tick, 1) is tick  # nothing runs in parallel to overlap
    wrapped = _loading_while_workers_run(tick, 2)
    wrapped(20, 200)
    wrapped(40, 200)
    assert calls == [(20, 200), (40, 200)]  # every tick still reaches the bar, unchanged
