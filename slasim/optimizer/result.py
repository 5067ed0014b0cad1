"""The optimizer's result (scipy style) and the proposal overlay it writes.

``proposal.toml`` is a scenario overlay: ``extends`` the input scenario and sets only the values
the optimizer changed, each commented with its evidence, so that it loads with
:func:`slasim.scenario.load.load_scenario`, runs with ``slasim run`` and can be edited by hand.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from slasim.measure.months import replication_noun
from slasim.measure.verdict import Verdict
from slasim.optimizer.space import OperatingPoint
from slasim.optimizer.terms import ChosenTerms
from slasim.outputs import atomic_write_text, json_table, write_csv
from slasim.planning.staffing import StaffingAnswer
from slasim.scenario.schema import Scenario
from slasim.scenario.toml_write import toml_key, toml_table, toml_value

__all__ = ["OptimizeResult", "overlay_toml", "set_aside_proposal"]


@dataclass(frozen=True)
class OptimizeResult:
    """Outcome of :func:`slasim.optimizer.optimize`.

    Attributes
    ----------
    x
        The proposed operating point (sellers per shift, routing, volume per tier); None when
        nothing feasible was found.
    terms
        Proposed SLA terms per tier with P(met) from the verification months.
    fun
        Objective per month at ``x`` over the verification months (profit, or minus cost).
    fun_ci
        Its 95 % interval.
    cost, revenue
        Mean monthly seller + lead cost, and revenue won + pipeline value, at ``x`` over the
        verification months (what the budget and the revenue goal were checked on; NaN when
        there is no proposal).
    success, message
        Whether a proposal passed verification, and what happened (fallbacks included).
    nfev
        Replications simulated in total (race + verification + neighbours).
    candidates
        Operating points simulated in the race.
    scenario, proposal
        The input scenario and the proposed one (input + ``x`` + ``terms``).
    verification
        Per tier and term: value, P(met), 95 % Wilson interval over ``verify_reps`` fresh months.
    runner_ups, neighbours, frontier, value_of_speed
        Tables (see :mod:`slasim.optimizer.speed` and :func:`slasim.optimizer.optimize`).
    budget, revenue_goal
        The caps the proposal was checked against (None: not set).
    notes
        Bounds of the free variables the proposal sits on, each with what to try next
        (:func:`slasim.optimizer.core.bound_notes`); empty when none binds.
    """

    x: OperatingPoint | None
    terms: dict[str, ChosenTerms]
    fun: float
    fun_ci: tuple[float, float]
    cost: float
    revenue: float
    success: bool
    message: str
    nfev: int
    candidates: int
    seed: int
    objective: str
    confidence: float
    verify_reps: int
    wall_seconds: float
    scenario: Scenario = field(repr=False)
    proposal: Scenario | None = field(repr=False)
    verification: pd.DataFrame = field(repr=False)
    runner_ups: pd.DataFrame = field(repr=False)
    neighbours: pd.DataFrame = field(repr=False)
    frontier: pd.DataFrame = field(repr=False)
    value_of_speed: pd.DataFrame = field(repr=False)
    budget: float | None = None
    revenue_goal: float | None = None
    notes: list[str] = field(default_factory=list)
    verdict: Verdict | None = field(default=None, repr=False)
    staffing: StaffingAnswer | None = field(default=None, repr=False)

    def report_command(self, out_dir: str | Path = "build/optimize") -> str:
        """The ``slasim report`` call that writes the agreement for the proposal on the very
        months it was verified on (same seed and replications: the same verdict)."""
        folder = Path(out_dir)
        return (f"slasim report {(folder / 'proposal.toml').as_posix()} --reps {self.verify_reps} "
                f"--seed {self.seed} --out {(folder.parent / 'report.html').as_posix()}")

    @property
    def period_unit(self) -> str:
        """What a replication is called: "months", or "7-day periods" for a week."""
        return replication_noun(self.scenario)

    @property
    def neighbours_better(self) -> bool:
        """Whether a ±1-seller neighbour beat the proposal by more than the paired CI."""
        return bool(len(self.neighbours)) and bool(self.neighbours["better"].any())

    def to_dict(self) -> dict[str, object]:
        """JSON-ready summary (``result.json``)."""

        def records(frame: pd.DataFrame) -> object:
            return json_table(frame)

        return {
            "scenario": self.scenario.name,
            "objective": self.objective,
            "confidence": self.confidence,
            "seed": self.seed,
            "success": self.success,
            "message": self.message,
            "x": None
            if self.x is None
            else {
                "sellers": list(self.x.sellers),
                "routing": self.x.routing,
                "volumes": dict(zip(self.scenario.tiers, self.x.volumes, strict=True)),
            },
            "fun": _clean(self.fun),
            "fun_ci": [_clean(v) for v in self.fun_ci],
            "cost": _clean(self.cost),
            "revenue": _clean(self.revenue),
            "budget": self.budget,
            "revenue_goal": self.revenue_goal,
            "notes": list(self.notes),
            "verdict": None if self.verdict is None else self.verdict.to_dict(),
            "fewest_sellers": None if self.staffing is None else {
                "routing": self.staffing.routing,
                "sellers": None if self.staffing.sellers is None else list(self.staffing.sellers),
                "reps": self.staffing.reps,
                "text": self.staffing.describe(),
            },
            "nfev": self.nfev,
            "candidates": self.candidates,
            "verify_reps": self.verify_reps,
            "terms": {
                name: {k: _clean(v) if isinstance(v, float) else v for k, v in vars(t).items()}
                for name, t in self.terms.items()
            },
            "verification": records(self.verification),
            "runner_ups": records(self.runner_ups),
            "neighbours": records(self.neighbours),
            "frontier": records(self.frontier),
            "value_of_speed": records(self.value_of_speed),
        }

    def to_frame(self) -> pd.DataFrame:
        """:attr:`frontier` as a new table (see :func:`slasim.optimizer.optimize`)."""
        return self.frontier.copy()

    def write(self, out_dir: str | Path, scenario_path: str | Path) -> list[Path]:
        """Write proposal.toml (when successful), frontier.csv, value_of_speed.csv, result.json.

        Without a proposal, an earlier run's ``proposal.toml`` in ``out_dir`` is renamed
        ``proposal.toml.previous`` (it is not this run's answer).

        Each file atomically; CSV text cells that a spreadsheet would run as a formula are
        neutralised (:mod:`slasim.outputs`).
        """
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        written = []
        path = out / "proposal.toml"
        if self.proposal is not None:
            extends = os.path.relpath(Path(scenario_path).resolve(), out.resolve())
            atomic_write_text(path, overlay_toml(self, Path(extends).as_posix()))
            written.append(path)
        elif (previous := set_aside_proposal(out, scenario_path)) is not None:
            written.append(previous)
        for name, frame in (("frontier.csv", self.frontier),
                            ("value_of_speed.csv", self.value_of_speed)):
            write_csv(frame, out / name, float_format="%.10g", lineterminator="\n")
            written.append(out / name)
        path = out / "result.json"
        atomic_write_text(path, json.dumps(self.to_dict(), indent=2, allow_nan=False) + "\n")
        written.append(path)
        return written


def set_aside_proposal(out: Path, scenario_path: str | Path) -> Path | None:
    """Rename an earlier run's ``out/proposal.toml`` to ``proposal.toml.previous`` when this
    run has no proposal; return the new path (None: nothing to set aside).

    Beside this run's "no proposal", `slasim report out/proposal.toml`, the documented next
    step, would read the earlier answer. The scenario itself is never moved.
    """
    path = out / "proposal.toml"
    if not path.exists() or path.resolve() == Path(scenario_path).resolve():
        return None
    previous = out / "proposal.toml.previous"
    os.replace(path, previous)
    return previous


def _clean(value: float) -> float | None:
    return None if math.isnan(value) or math.isinf(value) else float(value)


def _evidence(result: OptimizeResult, tier: str, term: str) -> str:
    rows = result.verification
    row = rows[(rows["tier"] == tier) & (rows["term"] == term)].iloc[0]
    if not row.get("measured", True):
        return (f"not measured over the {result.verify_reps} verification {result.period_unit} "
                "(no attempt window closes inside one): counts as met")
    return (
        f"P(met) {row['p_met']:.2f} [{row['ci_low']:.2f}, {row['ci_high']:.2f}] "
        f"over the {result.verify_reps} verification {result.period_unit} (seed {result.seed})"
    )


def overlay_toml(result: OptimizeResult, extends: str) -> str:
    """The proposal as a commented scenario overlay that ``extends`` the input scenario.

    Besides the optimizer's changes it repeats the values ``--set`` gave the optimized
    scenario (the extended file does not have them), so the proposal loads as what was
    optimized and verified.
    """
    base, new = result.scenario, result.proposal
    assert new is not None and result.x is not None
    header = [
        f"# slasim optimize proposal for {base.name!r}: objective {result.objective}, "
        f"confidence {result.confidence:g}, seed {result.seed}.",
        f"# Objective per month {result.fun:,.0f} [{result.fun_ci[0]:,.0f}, "
        f"{result.fun_ci[1]:,.0f}] over {result.verify_reps} verification "
        f"{result.period_unit}; "
        f"{result.nfev:,} replications in all.",
        *([f"# {result.verdict.sentence()}"] if result.verdict is not None else []),
        f"# {result.message}",
        *(f"# note: {note}" for note in result.notes),
        "# Only the values that change (and those given with --set, marked so) are set; "
        "everything else comes from the extended file.",
        "",
        f"name = {toml_value(base.name + '-proposal')}",
        f"extends = {toml_value(extends)}",
    ]
    # Table path -> (key, line) in writing order; the root table's keys follow `extends`.
    tables: dict[tuple[str, ...], list[tuple[str, str]]] = {(): []}

    def put(table: tuple[str, ...], key: str, line: str) -> None:
        tables.setdefault(table, []).append((key, line))

    if new.sla.confidence != base.sla.confidence:
        put(("sla",), "confidence", f"confidence = {toml_value(new.sla.confidence)}")
    if new.routing.policy != base.routing.policy:
        put(("routing",), "policy",
            f"policy = {toml_value(new.routing.policy)}    # was {base.routing.policy!r}")
    shift_lines: list[str] = []
    if any(a.sellers != b.sellers for a, b in zip(base.team.shifts, new.team.shifts, strict=True)):
        verdict = (
            "a neighbour (±1 seller) beat it by more than the CI"
            if result.neighbours_better
            else "no ±1-seller neighbour better by more than the CI"
        )
        for old, shift in zip(base.team.shifts, new.team.shifts, strict=True):
            shift_lines += ["", "[[team.shifts]]    # the list replaces the extended file's shifts"]
            data = shift.model_dump(mode="python", exclude_none=True)
            for key, v in data.items():
                note = f"    # was {old.sellers}; {verdict}" if key == "sellers" else ""
                shift_lines.append(f"{key} = {toml_value(v)}{note}")
    for name in base.tiers:
        before, after = base.tiers[name].monthly_volume, new.tiers[name].monthly_volume
        if before != after:
            put(("tiers", name), "monthly_volume",
                f"monthly_volume = {toml_value(after)}    # leads to buy per month; was {before:g}")
    for name, terms in result.terms.items():
        was_terms = base.sla.tiers[name]
        pairs = (
            ("quota", "marketing", was_terms.quota, terms.quota),
            ("response_target_minutes", "response", was_terms.response_target_minutes,
             terms.response_target_minutes),
            ("response_share", "response", was_terms.response_share, terms.response_share),
            ("min_attempts", "attempts", was_terms.min_attempts, terms.min_attempts),
            ("qualify_rate_target", "conversion", was_terms.qualify_rate_target,
             terms.qualify_rate_target),
        )
        for key, term, was, now in pairs:
            if was != now and now is not None:
                was_text = "not set" if was is None else f"{was:g}"
                evidence = _evidence(result, name, term)
                put(("sla", "tiers", name), key,
                    f"{key} = {toml_value(now)}    # was {was_text}; {evidence}")
    for table, key, value in _set_values(base):
        if table == ("team",) and key == "shifts" and shift_lines:
            continue  # the shifts written above are the proposal's, --set values included
        if any(k == key for k, _ in tables.get(table, ())):
            continue  # the optimizer changed it: its value wins
        put(table, key, f"{toml_key(key)} = {toml_value(value)}    # --set")
    lines = header + [line for _, line in tables.pop(())]
    for table, entries in tables.items():
        if shift_lines and table not in (("sla",), ("routing",)):
            lines += shift_lines  # where a reader looks for staffing: after the routing
            shift_lines = []
        lines += ["", toml_table(table), *(e for _, e in entries)]
    return "\n".join(lines + shift_lines) + "\n"


def _set_values(scenario: Scenario) -> list[tuple[tuple[str, ...], str, object]]:
    """``(table, key, value)`` of every value ``--set`` changed, from the validated scenario.

    An override inside a list (``team.shifts[0].sellers``) repeats the whole list, since an
    overlay replaces lists; a table it replaced is written key by key.
    """
    dump = scenario.model_dump(mode="python", exclude_none=True)
    out: list[tuple[tuple[str, ...], str, object]] = []
    seen: set[tuple[str, ...]] = set()
    for loc in scenario.provenance.set_locations():
        path: list[str] = []
        for part in loc:
            if isinstance(part, int):
                break
            path.append(part)
        root = tuple(path)
        if root in seen or root in (("name",), ()):
            continue  # the proposal has a name of its own
        seen.add(root)
        node: object = dump
        for part in root:
            node = node.get(part) if isinstance(node, dict) else None
        _leaves(root, node, out)
    return out


def _leaves(
    path: tuple[str, ...], node: object, out: list[tuple[tuple[str, ...], str, object]]
) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            _leaves((*path, key), value, out)
    elif node is not None:
        out.append((path[:-1], path[-1], node))
