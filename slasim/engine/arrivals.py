"""Lead arrivals: non-homogeneous Poisson per tier (hour-of-week profile), or a replayed trace.

Generated arrivals are piecewise constant per local hour slot of the business calendar's
:class:`~slasim.model.calendar.HourGrid`: slot ``s`` of tier ``t`` has intensity proportional to the
tier's hour-of-week weight at the slot's local hour, times ``holiday_factor`` on holidays, times
the slot length (60 minutes, or less/more next to a DST change). The intensities are scaled so
that the expected count over the horizon is ``monthly_volume * days / (365.25 / 12)``.

Over-dispersion (``tier.dispersion = d > 0``) draws one multiplier ``G ~ Gamma(1/d, d)`` (mean 1,
variance ``d``) for the whole period before the Poisson draws, so the period's count is negative
binomial with ``Var = m + d * m**2`` while the weekly shape stays the same.

Randomness: each tier draws from its own child of the generator passed in
(:meth:`numpy.random.Generator.spawn`), so changing one tier's volume does not move the other
tiers' leads. Everything is vectorised: one Poisson draw per slot, one uniform per lead.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from slasim.errors import InputError
from slasim.scenario.schema import DAYS_PER_MONTH, Scenario
from slasim.textlines import bounded_lines

__all__ = ["ArrivalPlan", "Arrivals", "arrival_plan", "generate_arrivals", "load_trace"]

FloatArray = npt.NDArray[np.float64]
TierArray = npt.NDArray[np.int8]


@dataclass(frozen=True, eq=False)
class Arrivals:
    """Lead creation times of one period.

    Attributes
    ----------
    created
        Creation times in simulation minutes, sorted ascending (float64).
    tier
        Tier of each lead: index into ``list(scenario.tiers)`` (int8).
    """

    created: FloatArray
    tier: TierArray

    def __post_init__(self) -> None:
        if self.created.shape != self.tier.shape:
            raise ValueError(
                f"created has shape {self.created.shape} but tier has shape {self.tier.shape}; "
                "expected one tier per lead"
            )

    def __len__(self) -> int:
        return int(self.created.shape[0])


@dataclass(frozen=True, eq=False)
class ArrivalPlan:
    """Everything :func:`generate_arrivals` needs, compiled once per scenario (picklable).

    Attributes
    ----------
    slot_start, slot_length
        ``(S,)`` hour slots of the horizon in simulation minutes.
    expected
        ``(T, S)`` expected leads per tier and slot (before the dispersion multiplier).
    dispersion
        ``(T,)`` negative-binomial over-dispersion per tier.
    """

    slot_start: FloatArray
    slot_length: FloatArray
    expected: FloatArray
    dispersion: FloatArray


def arrival_plan(scenario: Scenario, *, warmup: bool = False) -> ArrivalPlan:
    """Compile the per-slot expected arrivals of every tier of ``scenario``.

    With ``warmup``, the plan covers the whole simulated run (``horizon.warmup_days`` and then
    the horizon, minutes from the warm-up start, as ``scenario.business_calendar(warmup=True)``)
    and every slot has the rate it has without warm-up: the volumes are scaled to the horizon
    alone, so the measured period's expected leads do not depend on the warm-up.
    """
    calendar = scenario.business_calendar(warmup=warmup)
    grid = calendar.hour_grid()
    # Slots from the horizon start on (a suffix: all of them without warm-up).
    begin = calendar.day_start[scenario.horizon.warmup_days if warmup else 0]
    first = int(np.searchsorted(grid.start, begin))
    rows = []
    for name, tier in scenario.tiers.items():
        weights = np.asarray(tier.profile.hour_of_week_weights(), dtype=np.float64)
        shape = weights[grid.hour_of_week] * grid.length
        shape = np.where(grid.is_holiday, shape * tier.profile.holiday_factor, shape)
        total = float(shape[first:].sum())
        mean = tier.monthly_volume * scenario.horizon.days / DAYS_PER_MONTH
        # A profile whose weight is zero over the whole horizon (e.g. weekend-only leads in a
        # Mon-Fri horizon) cannot deliver its volume; that is a scenario mistake, not a zero.
        if total <= 0 and mean > 0:
            raise InputError.single(
                scenario.source_of(f"tiers.{name}.profile"), f"tiers.{name}.profile",
                f"all weights are zero over the horizon (holiday_factor="
                f"{tier.profile.holiday_factor}) but monthly_volume={tier.monthly_volume}; "
                "expected a positive weight in at least one hour of the horizon",
            )
        rows.append(shape * (mean / total) if total > 0 else np.zeros_like(shape))
    expected = np.vstack(rows) if rows else np.zeros((0, len(grid)))
    dispersion = np.array([t.dispersion for t in scenario.tiers.values()], dtype=np.float64)
    return ArrivalPlan(
        slot_start=np.array(grid.start, dtype=np.float64),
        slot_length=np.array(grid.length, dtype=np.float64),
        expected=expected,
        dispersion=dispersion,
    )


def generate_arrivals(source: Scenario | ArrivalPlan, rng: np.random.Generator) -> Arrivals:
    """Draw one period of lead arrivals.

    Parameters
    ----------
    source
        The scenario, or its precompiled :func:`arrival_plan` (faster in a replication loop).
    rng
        Generator for this period's arrivals; one child per tier is spawned from it.

    Returns
    -------
    Arrivals
        Sorted creation times and tier indices.
    """
    plan = source if isinstance(source, ArrivalPlan) else arrival_plan(source)
    n_tiers = plan.expected.shape[0]
    children = rng.spawn(n_tiers)
    times: list[FloatArray] = []
    tiers: list[TierArray] = []
    for t, child in enumerate(children):
        mu = plan.expected[t]
        d = float(plan.dispersion[t])
        if d > 0:
            # Gamma(shape=1/d, scale=d): mean 1, variance d -> count ~ NegBin, Var = m + d m^2.
            mu = mu * child.gamma(1.0 / d, d)
        counts = child.poisson(mu)
        slot = np.repeat(np.arange(mu.shape[0]), counts)
        created = plan.slot_start[slot] + plan.slot_length[slot] * child.random(slot.shape[0])
        times.append(created)
        tiers.append(np.full(created.shape[0], t, dtype=np.int8))
    if not times:
        return Arrivals(np.zeros(0), np.zeros(0, dtype=np.int8))
    created_all = np.concatenate(times)
    tier_all = np.concatenate(tiers)
    # Stable sort: ties (practically impossible in continuous time) keep tier order.
    order = np.argsort(created_all, kind="stable")
    return Arrivals(created_all[order], tier_all[order])


def load_trace(
    scenario: Scenario, path: str | Path | None = None, *, warmup: bool = False
) -> Arrivals:
    """Read historical lead creation times from a CSV file (trace replay).

    Parameters
    ----------
    scenario
        Gives the horizon, the time zone for naive timestamps, the tiers and (in
        ``scenario.trace``) the column names.
    path
        The CSV file; default ``scenario.trace.path``. A relative path is relative to the
        current directory (the scenario loader makes ``trace.path`` absolute).
    warmup
        Read the whole simulated run: rows in the ``horizon.warmup_days`` before the horizon
        are the warm-up's leads, and times are minutes from the warm-up start (as
        ``scenario.business_calendar(warmup=True)``). With warm-up days the trace must have
        at least one row in them: an empty warm-up would silently start empty.

    Raises
    ------
    InputError
        Unreadable file, a missing column, or a row whose timestamp is not ISO-8601, lies
        outside the horizon, or whose tier is not in ``[tiers]``; the message names the file,
        row number (the header is row 1), column, value and what was expected.
    """
    trace = scenario.trace
    if path is None:
        if trace is None:
            raise ValueError("scenario.trace(=None) names no CSV file; pass path= explicitly")
        path = trace.path
    created_col = trace.created_column if trace else "created_at"
    tier_col = trace.tier_column if trace else "tier"
    source = str(path)
    calendar = scenario.business_calendar(warmup=warmup)
    tz = ZoneInfo(scenario.horizon.timezone)
    tier_index = {name: i for i, name in enumerate(scenario.tiers)}
    horizon = calendar.horizon_minutes
    created: list[float] = []
    tiers: list[int] = []
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(bounded_lines(handle, source))
            header = reader.fieldnames or []
            if not header:
                raise InputError.single(
                    source, "", f"is empty; expected a header ({created_col}, {tier_col}) and "
                    "one row per lead",
                )
            for col in (created_col, tier_col):
                if col not in header:
                    raise InputError.single(
                        source, f"column {col!r}", f"is missing; the header has {header}"
                    )
            for row_no, row in enumerate(reader, start=2):
                raw_time = (row.get(created_col) or "").strip()
                raw_tier = (row.get(tier_col) or "").strip()
                where = f"row {row_no}, column {created_col!r}"
                try:
                    stamp = datetime.fromisoformat(raw_time)
                except ValueError:
                    raise InputError.single(
                        source, where,
                        f"got {raw_time!r}; expected an ISO-8601 timestamp such as "
                        "2026-04-01T09:30:00 or 2026-04-01T09:30:00+02:00",
                    ) from None
                if stamp.tzinfo is None:
                    # Naive stamps are local wall-clock time of the scenario's time zone.
                    stamp = stamp.replace(tzinfo=tz)
                t = calendar.to_sim(stamp)
                if not 0.0 <= t < horizon:
                    raise InputError.single(
                        source, where,
                        f"got {raw_time!r}, outside the horizon; expected a time from "
                        f"{calendar.to_local(0.0).isoformat()} to before "
                        f"{calendar.to_local(horizon).isoformat()}",
                    )
                if raw_tier not in tier_index:
                    raise InputError.single(
                        source, f"row {row_no}, column {tier_col!r}",
                        f"got {raw_tier!r}; expected one of the tiers {list(tier_index)}",
                    )
                created.append(t)
                tiers.append(tier_index[raw_tier])
    except UnicodeDecodeError as exc:  # as the roster says it (it was exit 1)
        raise InputError.single(
            source, "", f"is not UTF-8 text (byte {exc.start}: {exc.reason}); expected a UTF-8 "
            "CSV file"
        ) from None
    except (OSError, csv.Error) as exc:
        raise InputError.single(source, "", f"cannot read the trace file ({exc})") from None
    if not created:  # it simulated an empty month: no quota met, every sales term "met"
        raise InputError.single(
            source, "", f"has no rows, only the header; expected one row per lead "
            f"({created_col}, {tier_col})",
        )
    times = np.array(created, dtype=np.float64)
    start = float(calendar.day_start[scenario.horizon.warmup_days if warmup else 0])
    if start > 0 and not (times < start).any():
        raise InputError.single(
            source, f"column {created_col!r}",
            f"has no row before the horizon start {calendar.to_local(start).isoformat()}, but "
            f"horizon.warmup_days(={scenario.horizon.warmup_days}) replays the trace from "
            f"{calendar.to_local(0.0).isoformat()}; expected rows in the warm-up days, or "
            "horizon.warmup_days = 0",
        )
    order = np.argsort(times, kind="stable")
    return Arrivals(times[order], np.array(tiers, dtype=np.int8)[order])
