"""``slasim sweep``: one scenario simulated over a grid of ``--set`` values.

Every grid point is the scenario with one value per axis set (as ``--set PATH=VALUE`` would),
simulated ``reps`` times with the *same* root seed: replication ``r`` of every point sees the
same leads and the same per-attempt luck (common random numbers, see
:mod:`slasim.measure.experiment`), so differences between points are differences of the points, not
of
the draws. All points' replications form one task list, run on one executor (in this process,
a local process pool, or a Dask cluster: :mod:`slasim.measure.dask_executor`); the result does not
depend on which.

Whether a point's agreement is realistic is :mod:`slasim.measure.verdict`'s answer, nothing else.
The files of ``--out`` (table and figure) are written by :mod:`slasim.render.sweep_files`.
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from slasim.errors import InputError, Problem
from slasim.scenario.grid import GRID_SOURCE, GridAxis, grid_points, parse_grid

if TYPE_CHECKING:
    import pandas as pd

    from slasim.measure.executors import Executor
    from slasim.measure.experiment import SimulationResult
    from slasim.scenario.schema import Scenario
    from slasim.seeding import Seed

__all__ = [
    "KEY_METRICS",
    "PLOT_VALUES",
    "SweepPoint",
    "SweepResult",
    "build_points",
    "require_pyarrow",
    "sweep",
]

#: Metrics (all tiers together) whose mean and 95 % CI every row of the sweep table carries.
KEY_METRICS: tuple[str, ...] = (
    "cost", "profit", "revenue", "won_deals", "leads_created", "seller_utilization",
    "first_attempt_within_target", "response_minutes_p90",
)
#: The sides whose P(kept) the table carries (``p_<side>``, with the Wilson interval).
_SIDES: tuple[str, ...] = ("marketing", "sales", "joint")
#: What the figure can show: a side's P(kept), or a key metric's mean.
PLOT_VALUES: tuple[str, ...] = (*(f"p_{s}" for s in _SIDES), "profit", "cost")

Progress = Callable[[int, int], None]


def require_pyarrow(option: str = "--parquet") -> None:
    """Refuse Parquet output when pyarrow (not a slasim dependency) is missing.

    Raises
    ------
    InputError
        ``<cli>: --parquet: needs pyarrow, which is not installed; ...`` (exit 2).
    """
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise InputError.single(
            "<cli>", option, "needs pyarrow to write Parquet, and pyarrow is not installed; "
            "expected `pip install pyarrow` first (or the CSV alone: leave out --parquet)",
        ) from None


@dataclass(frozen=True)
class SweepPoint:
    """One grid point: its values (one per axis) and its simulation."""

    values: tuple[Any, ...]
    result: SimulationResult


@dataclass(frozen=True)
class SweepResult:
    """The outcome of :func:`sweep`.

    Attributes
    ----------
    scenario
        The scenario before the grid (after ``overrides``).
    axes
        The grid axes.
    reps, seed
        Replications per point and the root seed shared by every point.
    points
        One :class:`SweepPoint` per grid point, first axis varying slowest.
    table
        Tidy, one row per point: the axis values (columns named by path), ``p_marketing``,
        ``p_sales``, ``p_joint`` with their 95 % Wilson bounds (``_low``, ``_high``),
        ``realistic`` and ``verdict`` (:mod:`slasim.measure.verdict`), then ``<metric>_mean``,
        ``_ci_low``, ``_ci_high`` for each of :data:`KEY_METRICS`.
    """

    scenario: Scenario
    axes: tuple[GridAxis, ...]
    reps: int
    seed: int
    points: tuple[SweepPoint, ...]
    table: pd.DataFrame = field(repr=False)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form: the grid, and per point its values and ``to_dict`` of its run."""
        return {
            "scenario": self.scenario.name,
            "reps": self.reps,
            "seed": self.seed,
            "grid": [{"path": a.path, "values": list(a.values)} for a in self.axes],
            "points": [
                {"values": dict(zip((a.path for a in self.axes), p.values, strict=True)),
                 **p.result.to_dict()}
                for p in self.points
            ],
        }

    def to_frame(self) -> pd.DataFrame:
        """:attr:`table` as a new table, one row per grid point."""
        return self.table.copy()


def build_points(
    scenario: Scenario, axes: Sequence[GridAxis], source: str = ""
) -> list[tuple[tuple[Any, ...], Scenario]]:
    """Every grid point's values and its validated scenario.

    Parameters
    ----------
    scenario
        The scenario the grid starts from.
    axes
        The grid.
    source
        The scenario's file, named in errors about values it holds.

    Raises
    ------
    InputError
        Every invalid point's problems at once (each named once, not once per point):
        ``--grid: team.shifts[0].sellers: got -1; expected ...``.
    """
    from slasim.scenario.load import scenario_from_dict
    from slasim.scenario.overrides import apply_override, parse_path

    data = scenario.model_dump(mode="python", exclude_none=True)
    data.pop("extends", None)
    origin = {parse_path(a.path, a.path): GRID_SOURCE for a in axes}
    paths = {a.path for a in axes}
    roster = ("team.roster" if "team.roster" in paths
              else None if scenario.team.roster is None
              else f"team.roster ({scenario.team.roster})")
    if roster is not None:
        # The roster replaces the shifts: an axis over them would sweep nothing, silently.
        idle = [p for p in sorted(paths) if p.startswith("team.shifts")]
        if idle:
            raise InputError([Problem(
                GRID_SOURCE, p, f"the points staff from {roster}, which replaces team.shifts, "
                "so this axis would change nothing; expected an axis over the roster file "
                "(team.roster=a.csv,b.csv) or another field") for p in idle])
    for axis in axes:
        # A path that leads nowhere in the scenario is one mistake, not one per value.
        try:
            apply_override(copy.deepcopy(data), f"{axis.path}={axis.texts[0]}")
        except InputError as exc:
            # A message that already says what was expected (a value too large) keeps its own.
            raise InputError([Problem(GRID_SOURCE, axis.path, p.message if "expected" in p.message
                                      else f"{p.message}; expected a path into the scenario "
                                      "(slasim schema lists them)")
                              for p in exc.problems]) from None
    points: list[tuple[tuple[Any, ...], Scenario]] = []
    problems: list[Problem] = []
    for values in grid_points(axes):
        texts = [a.texts[a.values.index(v)] for a, v in zip(axes, values, strict=True)]
        label = ", ".join(f"{a.path}={t}" for a, t in zip(axes, texts, strict=True))
        point = copy.deepcopy(data)
        try:
            for axis, text in zip(axes, texts, strict=True):
                try:
                    apply_override(point, f"{axis.path}={text}")
                except InputError as exc:
                    raise InputError([Problem(GRID_SOURCE, axis.path, f"value {text!r}: "
                                              f"{p.message}") for p in exc.problems]) from None
            points.append((values, scenario_from_dict(point, source or "<scenario>", origin)))
        except InputError as exc:
            for p in exc.problems:
                # A field of the grid names its bad value, a key above an axis's path (an
                # unknown table) names the axis; anything else (a rule across several fields)
                # gets the point it broke at.
                above = next((a for a in sorted(paths) if a.startswith((f"{p.field}.",
                                                                        f"{p.field}["))), None)
                at = f"{p.message} (at the grid point {label})"
                named = (p if p.field in paths
                         else Problem(GRID_SOURCE, above, p.message) if above is not None
                         else Problem(p.source, p.field, at))
                if named not in problems:
                    problems.append(named)
    if problems:
        raise InputError(_merge_values(problems))
    return points


def _merge_values(problems: list[Problem]) -> list[Problem]:
    """One problem per field and reason: ``horizon.days=1..3650`` printed 3,250 lines "got
    401; expected ... <= 400", one per value; now "got 401, 402, 403, ..., 3650 (3,250
    values); expected ...". Problems that name no value are kept as they are."""
    groups: dict[tuple[str, str, str], list[str]] = {}
    out: list[Problem | tuple[str, str, str]] = []
    for p in problems:
        match = re.fullmatch(r"got (.+?); (expected.*)", p.message, flags=re.S)
        if match is None:
            out.append(p)
            continue
        key = (p.source, p.field, match[2])
        if key not in groups:
            groups[key] = []
            out.append(key)
        groups[key].append(match[1])
    merged = []
    for item in out:
        if isinstance(item, Problem):
            merged.append(item)
            continue
        got = groups[item]
        shown = ", ".join(got) if len(got) <= 4 else (
            f"{', '.join(got[:3])}, ..., {got[-1]} ({len(got):,} values)")
        merged.append(Problem(item[0], item[1], f"got {shown}; {item[2]}"))
    return merged


def sweep(
    scenario: Scenario | str | Path,
    grid: Sequence[GridAxis | str],
    reps: int = 100,
    seed: Seed = 0,
    workers: int = 1,
    *,
    overrides: Iterable[str] = (),
    executor: Executor | None = None,
    progress: Progress | None = None,
) -> SweepResult:
    """Simulate ``scenario`` at every point of ``grid`` with common random numbers.

    Parameters
    ----------
    scenario
        A scenario, or its TOML file.
    grid
        Axes, as :class:`~slasim.scenario.grid.GridAxis` or ``"PATH=VALUES"`` text
        (``"team.shifts[0].sellers=4..10"``, ``"routing.policy=fifo,tier_priority"``).
    reps
        Replications per point.
    seed
        Root seed, the same for every point: an int >= 0, a ``numpy.random.SeedSequence``, a
        ``numpy.random.Generator`` or None (:mod:`slasim.seeding`); ``result.seed`` is its
        integer root.
    workers
        Local worker processes when no ``executor`` is given (1: in this process).
    overrides
        ``--set`` overrides applied before the grid.
    executor
        Runs the task list (an object with an ordered ``map``, :mod:`slasim.measure.executors`, such
        as :func:`slasim.measure.executors.local_executor` or
        :class:`slasim.measure.dask_executor.DaskExecutor`); the caller keeps it open and closes it.
        ``workers`` then sizes the tasks (the parallelism to keep busy).
    progress
        Called as ``progress(done, total)`` with replications over all points.

    Raises
    ------
    InputError
        A bad grid or a grid point that is not a valid scenario.
    """
    from slasim.measure.experiment import check_run_args
    from slasim.scenario.load import load_scenario, scenario_from_dict

    root = check_run_args(reps, seed, workers)
    axes = tuple(a if isinstance(a, GridAxis) else parse_grid(a) for a in grid)
    overrides = list(overrides)
    if isinstance(scenario, str | Path):
        source = str(scenario)
        base = load_scenario(scenario, overrides)
    else:
        source = f"<scenario {scenario.name}>"
        base = scenario
        if overrides:
            from slasim.scenario.overrides import apply_override

            data = scenario.model_dump(mode="python", exclude_none=True)
            for item in overrides:
                apply_override(data, item)
            base = scenario_from_dict(data, source)
    points = build_points(base, axes, source)
    results = _simulate_points([s for _, s in points], reps, root, workers, executor, progress)
    swept = tuple(SweepPoint(v, r) for (v, _), r in zip(points, results, strict=True))
    return SweepResult(base, axes, reps, root, swept, _tidy(axes, swept))


def _simulate_points(
    scenarios: Sequence[Scenario], reps: int, seed: int, workers: int,
    executor: Executor | None, progress: Progress | None,
) -> list[SimulationResult]:
    """Every point's replications as one task list on one executor."""
    from slasim.measure.experiment import simulate_each

    return simulate_each(scenarios, reps, seed, workers, progress=progress, executor=executor)


def _tidy(axes: Sequence[GridAxis], points: Sequence[SweepPoint]) -> pd.DataFrame:
    import pandas as pd

    from slasim.measure.metrics import ALL

    rows = []
    for point in points:
        result = point.result
        verdict = result.verdict
        row: dict[str, Any] = {a.path: _cell(a, v) for a, v in zip(axes, point.values, strict=True)}
        for side in _SIDES:
            row[f"p_{side}"] = verdict.p[side]
            row[f"p_{side}_low"], row[f"p_{side}_high"] = verdict.ci[side]
        row["realistic"] = verdict.realistic
        row["verdict"] = verdict.sentence()
        summary = result.summary[result.summary["tier"] == ALL].set_index("metric")
        for name in KEY_METRICS:
            for column in ("mean", "ci_low", "ci_high"):
                cell = summary[column].get(name, math.nan)
                row[f"{name}_{column}"] = float(cell)
        rows.append(row)
    return pd.DataFrame(rows)


def _cell(axis: GridAxis, value: Any) -> Any:
    """A grid value as a table cell: a list or table as its ``--set`` text."""
    return axis.texts[axis.values.index(value)] if isinstance(value, list | dict) else value
