"""Queue metrics: the wait as a call centre reads it, from one replication's lead records.

Every rate is per lead *offered* (created in the period), like the other metrics; "wait" is
``first_attempt - created`` in wall-clock minutes (the call centre's time to answer: a seller
taking the lead from the queue for its first attempt). :func:`queue_metrics` computes them for
one tier's leads or for all leads (then each lead against its own tier's target), vectorised.
Definitions:

``wait_positive_share``
    P(wait > 0): share of offered leads not attempted at the instant they were created. A lead
    never attempted (it gave up, was cut off by ``routing.age_cutoff_minutes`` or is still
    waiting at the period end) waited.
``wait_served_minutes_mean``, ``wait_served_minutes_p90``
    mean and 90th percentile of the wait of the leads that got a first attempt (the same values
    as ``response_minutes_mean`` and ``response_minutes_p90``, under the call-centre name).
``wait_abandoned_minutes_mean``
    mean of ``abandoned - created`` over the leads whose patience ran out before a first
    attempt: how long those who gave up waited.
``abandonment_rate``
    leads that gave up (patience ran out) / offered. Leads cut off by
    ``routing.age_cutoff_minutes`` are not abandonments: the team dropped them.
``abandoned_short_share``
    leads that gave up within ``routing.short_abandon_seconds`` of their creation (inclusive)
    / offered: the hang-ups too quick for any staffing to catch.
``answered_within_target_wall``, ``answered_within_target_business``
    service level: share of offered leads first attempted within their tier's
    ``sla.tiers.<tier>.response_target_minutes`` on the wall / business clock, whichever clock
    the SLA itself uses. Leads that gave up or were cut off count as misses. A lead neither
    attempted nor gone at the period end whose deadline on that clock falls after the end is
    left out (censored: the period cannot tell whether it will be on time), as in
    ``first_attempt_within_target``.

Without leads every share and mean is NaN; without abandonments ``abandonment_rate`` and
``abandoned_short_share`` are 0 and ``wait_abandoned_minutes_mean`` is NaN; without a first
attempt the served waits are NaN; a tier without SLA terms (no response target), or with no
lead decided yet, has NaN service levels. NaN is left out of the mean over replications.

These are informative metrics: none of them is an SLA term (the verdict reads only the terms
of :mod:`slasim.measure.terms`, in :mod:`slasim.measure.verdict`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from slasim.measure.catalogue import QUEUE_METRICS, STATES
from slasim.measure.quantiles import linear_quantiles

if TYPE_CHECKING:  # slasim.measure.metrics imports this module
    from slasim.measure.metrics import MetricContext

__all__ = [
    "QUEUE_METRICS",
    "queue_metrics",
    "response_grid",
    "response_outcomes",
]

_WAITING = STATES.index("waiting")


def _mean(values: np.ndarray) -> float:
    return float(values.mean()) if len(values) else float("nan")


def _share(count: int, n: int) -> float:
    # A division, not count * (1 / n): all of n leads is exactly 1.
    return count / n if n else float("nan")


def queue_metrics(
    leads: np.ndarray, ctx: MetricContext, *, served_p90: float | None = None
) -> dict[str, float]:
    """The queue metrics of ``leads`` (one tier's, or all), keyed by :data:`QUEUE_METRICS`.

    Parameters
    ----------
    leads
        Lead records of one replication, any subset (:data:`slasim.engine.records.LEAD_DTYPE`,
        or :data:`~slasim.engine.records.METRIC_DTYPE`: the fields read are among its).
    ctx
        The scenario's metric context: response targets per tier, calendar, horizon and the
        short-abandonment threshold.
    served_p90
        The 90th percentile of the attempted leads' waits when the caller has it already
        (:mod:`slasim.measure.metrics` computes it for ``response_minutes_p90``: a partition of
        every
        wait, the costliest step, is not done twice); computed here when None.
    """
    n = len(leads)
    created = leads["created"]
    first = leads["first_attempt"]
    attempted = ~np.isnan(first)
    served_wait = (first - created)[attempted]
    gone = ~np.isnan(leads["abandoned"])
    abandoned_wait = (leads["abandoned"] - created)[gone]
    # count_nonzero, not .sum(): a boolean count without a cast to integers.
    waited = n - int(np.count_nonzero(attempted)) + int(np.count_nonzero(served_wait > 0.0))
    out = {
        "wait_positive_share": _share(waited, n),
        "wait_served_minutes_mean": _mean(served_wait),
        "wait_served_minutes_p90": (
            served_p90 if served_p90 is not None
            else linear_quantiles(served_wait, (0.9,))[0] if len(served_wait) else float("nan")
        ),
        "wait_abandoned_minutes_mean": _mean(abandoned_wait),
        "abandonment_rate": _share(int(np.count_nonzero(gone)), n),
        "abandoned_short_share": _share(
            int(np.count_nonzero(abandoned_wait <= ctx.short_abandon_minutes)), n
        ),
    }
    # Each lead's target by its tier; NaN for a tier without SLA terms (nothing to be within).
    by_tier = np.array([t.target_minutes if t.has_terms else np.nan for t in ctx.tiers])
    targets = by_tier[leads["tier"]] if len(by_tier) else np.full(n, np.nan)
    for clock in ("wall", "business"):
        out[f"answered_within_target_{clock}"] = _service_level(
            leads, ctx, targets, attempted, clock
        )
    return out


def response_outcomes(
    leads: np.ndarray,
    ctx: MetricContext,
    targets: np.ndarray | float,
    clock: str,
    attempted: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Per lead: first attempted within its target on ``clock``, and decided.

    The one definition behind the response term (``first_attempt_within_target``) and the
    service level (``answered_within_target_*``). A lead is *decided* once attempted, once gone
    before any attempt (gave up or cut off: a miss, whatever its deadline), or once its
    deadline has passed inside the period; a lead still waiting at the end whose deadline
    falls after it is left out (the period cannot say). ``targets`` is one target for all or
    one per lead (NaN: no target, never decided).
    """
    if np.ndim(targets) == 0:
        within, decided = response_grid(
            leads, ctx, np.array([targets], dtype=np.float64), clock, attempted
        )
        return within[0], decided[0]
    attempted, wait, settled = _response_inputs(leads, clock, attempted)
    created = leads["created"]
    each = np.broadcast_to(np.asarray(targets, dtype=np.float64), created.shape)
    has_target = ~np.isnan(each)
    within = attempted & (wait <= each)
    decided = settled.copy()
    # Still waiting at the end: decided (a miss) only once its deadline has passed. The
    # business deadline is computed for these few leads only.
    pending = has_target & ~settled
    if pending.any():
        if clock == "business":
            deadline = ctx.calendar.add_business(created[pending], each[pending])
        else:
            deadline = created[pending] + each[pending]
        decided[pending] = deadline <= ctx.horizon_minutes
    decided &= has_target
    return within, decided


def response_grid(
    leads: np.ndarray,
    ctx: MetricContext,
    targets: np.ndarray,
    clock: str,
    attempted: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`response_outcomes` of one target for all leads, for each of the 1-D ``targets``:
    ``(within, decided)``, each of shape ``(len(targets), len(leads))``.

    The same comparisons as one call per target, as arrays: element-wise operations give the
    same values whatever the shape, so each row is that call's result (a NaN target decides
    nothing). The business deadlines of the leads still waiting are one ``add_business`` call
    on a ``(targets, waiting leads)`` grid.
    """
    attempted, wait, settled = _response_inputs(leads, clock, attempted)
    k, n = len(targets), len(leads)
    within = attempted[None, :] & (wait[None, :] <= targets[:, None])
    decided = np.broadcast_to(settled, (k, n)).copy()
    has_target = ~np.isnan(targets)
    waiting = ~settled
    if waiting.any() and has_target.any():
        start = leads["created"][waiting][None, :]
        minutes = targets[has_target][:, None]
        if clock == "business":
            deadline = ctx.calendar.add_business(start, minutes)
        else:
            deadline = start + minutes
        rows = decided[has_target]
        rows[:, waiting] = deadline <= ctx.horizon_minutes
        decided[has_target] = rows
    decided[~has_target] = False
    return within, decided


def _response_inputs(
    leads: np.ndarray, clock: str, attempted: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Attempted, the wait on ``clock`` and *settled* (attempted or gone) per lead."""
    if attempted is None:
        attempted = ~np.isnan(leads["first_attempt"])
    if clock == "business":
        wait = leads["response_business"]
    else:
        wait = leads["first_attempt"] - leads["created"]
    return attempted, wait, attempted | (leads["state"] != _WAITING)


def _service_level(
    leads: np.ndarray,
    ctx: MetricContext,
    targets: np.ndarray,
    attempted: np.ndarray,
    clock: str,
) -> float:
    """Share of the decided leads with a target that were first attempted within it."""
    within, decided = response_outcomes(leads, ctx, targets, clock, attempted)
    return float(within[decided].mean()) if decided.any() else float("nan")
