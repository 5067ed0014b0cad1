"""Lead ownership (``routing.owner``, ``routing.keep_owner``): who owns a lead, and whose queue
each of its attempts waits in.

Rules:

- ``first_attempt`` (default): the owner is the seat that makes the first attempt; nothing is
  assigned beforehand, the lead waits in the shared queue.
- ``round_robin``: at its creation a lead is assigned to the next seat in rotation (seat order:
  shift by shift, as the engine lists sellers) that is *on shift at that moment*: a seat off
  shift, on a break (rule or random shrinkage) or vacant is skipped. If no seat is on shift,
  the seat that comes on shift first (ties: the next in rotation) gets it.
- ``weighted``: at its creation a lead is assigned to a seat drawn among the seats on shift,
  each with the weight of its shift (``routing.owner_weights``, 1 for a shift not listed), from
  the random stream ``owners`` (one uniform per lead, drawn only with this rule). If no seat
  with a positive weight is on shift, the draw is among those that come on shift first.

An assigned lead waits in its owner's queue for its first attempt; with ``keep_owner`` every
later attempt waits there too (with ``first_attempt``, in the queue of the seat that made the
first attempt), otherwise a retry goes to the shared queue, which every seller takes from. A
seller takes from its own queue and the shared one, in the order of the routing policy
(:func:`slasim.engine.routing.router`).

Availability is read from the per-seat working intervals the event loop runs on (after breaks,
shrinkage and vacancies), so assignment and service see the same seats. Assignment depends only
on creation times and those intervals (and, for ``weighted``, the ``owners`` stream): it is
computed here, before the loop, so the simpy and the plain-heap loop see the same owners.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

__all__ = ["RULES", "assign_owners", "on_shift"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int32]

#: The values of ``routing.owner`` (``slasim.scenario.routing.OwnerRule``).
RULES: tuple[str, ...] = ("first_attempt", "round_robin", "weighted")

_CHUNK = 8192  # leads per block of the (leads, seats) matrices: bounded memory


def on_shift(
    shifts: list[list[tuple[float, float]]], t: FloatArray
) -> tuple[npt.NDArray[np.bool_], FloatArray]:
    """``(on, next_start)``, each ``(len(t), seats)``: whether each seat works at ``t``
    (``a <= t < b`` for one of its intervals) and, when not, when its next interval starts
    (``inf`` if never)."""
    on = np.zeros((len(t), len(shifts)), dtype=bool)
    nxt = np.full((len(t), len(shifts)), math.inf)
    for s, ivs in enumerate(shifts):
        if not ivs:
            continue
        iv = np.asarray(ivs, dtype=np.float64)
        k = np.searchsorted(iv[:, 0], t, side="right")  # intervals started by t
        on[:, s] = (k > 0) & (t < iv[np.maximum(k - 1, 0), 1])
        later = k < len(iv)
        nxt[later, s] = iv[k[later], 0]
    return on, nxt


def assign_owners(
    rule: str,
    created: FloatArray,
    shifts: list[list[tuple[float, float]]],
    weights: tuple[float, ...] = (),
    rng: np.random.Generator | None = None,
) -> IntArray:
    """Owner seat of each lead at its creation under ``rule``; -1 where no seat ever works
    after it.

    Parameters
    ----------
    rule
        ``round_robin`` or ``weighted`` (``first_attempt`` assigns nothing beforehand).
    created
        Creation times (run minutes), sorted.
    shifts
        Per seat, its sorted working intervals (those the event loop runs on).
    weights
        Per seat, its weight (``weighted``).
    rng
        The ``owners`` stream (``weighted``): one uniform per lead.
    """
    n = len(created)
    out = np.full(n, -1, dtype=np.int32)
    if not shifts or n == 0:
        return out
    if rule == "round_robin":
        _round_robin(created, shifts, out)
    elif rule == "weighted":
        if rng is None or len(weights) != len(shifts):
            raise ValueError(
                f"weighted owners need an rng and one weight per seat (got {len(weights)} "
                f"weights for {len(shifts)} seats)"
            )
        _weighted(created, shifts, np.asarray(weights, dtype=np.float64), rng.random(n), out)
    else:
        raise ValueError(f"rule(={rule!r}) must be round_robin or weighted")
    return out


def _round_robin(
    created: FloatArray, shifts: list[list[tuple[float, float]]], out: IntArray
) -> None:
    last = -1  # the rotation's last assigned seat
    for lo in range(0, len(created), _CHUNK):
        on, nxt = on_shift(shifts, created[lo:lo + _CHUNK])
        first = nxt.min(axis=1)
        for r, (row, soonest) in enumerate(zip(on, first.tolist(), strict=True)):
            if not row.any():
                if soonest == math.inf:
                    continue  # no seat works after this lead's creation: unassigned
                row = nxt[r] == soonest
            # The next candidate after `last` in rotation order (wrapping round).
            after = np.flatnonzero(row[last + 1:])
            last = int(after[0]) + last + 1 if len(after) else int(np.flatnonzero(row)[0])
            out[lo + r] = last


def _weighted(
    created: FloatArray, shifts: list[list[tuple[float, float]]], w: FloatArray,
    u: FloatArray, out: IntArray,
) -> None:
    positive = w > 0
    for lo in range(0, len(created), _CHUNK):
        on, nxt = on_shift(shifts, created[lo:lo + _CHUNK])
        cand = on & positive
        none = ~cand.any(axis=1)
        if none.any():
            # No weighted seat works now: those that come on shift first.
            soon = np.where(positive, nxt[none], math.inf)
            first = soon.min(axis=1, keepdims=True)
            cand[none] = np.isfinite(first) & (soon == first)
        cum = np.cumsum(np.where(cand, w, 0.0), axis=1)
        total = cum[:, -1]
        # The first seat whose cumulative weight exceeds u * total (zero-weight seats never).
        pick = (cum <= (u[lo:lo + _CHUNK] * total)[:, None]).sum(axis=1)
        # u * total may round up to total: then the last candidate.
        pick = np.minimum(pick, cand.shape[1] - 1 - np.argmax(cand[:, ::-1], axis=1))
        out[lo:lo + _CHUNK] = np.where(total > 0, pick, -1)
