"""Pieces shared by the engine's two event loops: in-run lead status, routing, views.

:func:`router` builds the ready queue of a routing policy; :class:`RunState` is what an event
loop hands back (:func:`slasim.engine._simulate`, simpy, and :func:`slasim.eventloop.simulate`).
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from slasim.engine import Model

__all__ = ["CONTACTED", "GAVE_UP", "OPEN", "RunState", "floats", "ints", "router"]

FloatArray = npt.NDArray[np.float64]

#: In-run status of a lead (the final state is derived after the run).
OPEN, CONTACTED, GAVE_UP = 0, 1, 2


def floats(a: npt.NDArray[Any]) -> memoryview[float]:
    """A memoryview of a float64 array.

    It reads/writes numpy elements as Python floats ~2x faster than ndarray indexing, with no
    copy (lists would cost 4x the memory).
    """
    return cast("memoryview[float]", memoryview(cast(Any, a)))


def ints(a: npt.NDArray[Any]) -> memoryview[int]:
    """A memoryview of an integer array (see :func:`floats`)."""
    return cast("memoryview[int]", memoryview(cast(Any, a)))


@dataclass
class RunState:
    """Per-lead and per-seller state at the end of an event loop."""

    first: FloatArray
    contact: FloatArray
    attempts: npt.NDArray[np.int16]
    status: npt.NDArray[np.int8]
    seller: npt.NDArray[np.int32]  # per lead: the seller of the first attempt, -1 if none
    busy: list[float]  # per seller: handling (+ wrap-up) minutes inside available intervals
    overtime: list[float]  # per seller: the same outside them (breaks, after shift)


def router(
    model: Model,
    created: memoryview[float],
    att: memoryview[int],
    status: memoryview[int],
    tier: memoryview[int],
    deadline: memoryview[float] | None = None,
) -> tuple[Callable[[int], None], Callable[[float], int]]:
    """``(push, pick)`` for the routing policy: push a ready lead, pick the next (or -1).

    ``deadline[i]``, when given, is the time lead ``i`` leaves the queue if still waiting for
    its first attempt (patience and age cut-off combined); otherwise the cut-off applies alone.
    """
    cutoff = model.age_cutoff
    limit = math.inf if cutoff is None else cutoff

    if deadline is None:
        def stale(i: int, now: float) -> bool:
            # Only first attempts are cut off; retries are bounded by the cadence window.
            if att[i] == 0 and now - created[i] > limit:
                status[i] = GAVE_UP
                return True
            return False
    else:
        dl = deadline

        def stale(i: int, now: float) -> bool:
            if att[i] == 0 and now > dl[i]:
                status[i] = GAVE_UP
                return True
            return False

    if model.policy in ("fifo", "newest_first"):
        queue: deque[int] = deque()
        take = queue.popleft if model.policy == "fifo" else queue.pop
        if cutoff is None and deadline is None:
            def pick(now: float) -> int:
                return take() if queue else -1
        else:
            def pick(now: float) -> int:
                while queue:
                    i = take()
                    if not stale(i, now):
                        return i
                return -1
        return queue.append, pick

    queues: list[deque[int]] = [deque() for _ in model.tier_names]
    ranked = [queues[t] for t in model.tier_rank]

    def push(i: int) -> None:
        queues[tier[i]].append(i)

    if model.policy == "tier_priority":
        def pick_tier(now: float) -> int:
            for q in ranked:
                while q:
                    i = q.popleft()
                    if not stale(i, now):
                        return i
            return -1
        return push, pick_tier

    if model.policy != "value_index":
        raise ValueError(
            f"routing.policy(={model.policy!r}) must be fifo, newest_first, tier_priority or "
            "value_index"
        )
    contact, qualify = model.contact_curve, model.qualify_curve
    p0 = model.base_contact.tolist()
    worth = (
        model.opportunity_rate * model.win_rate * model.deal_mean * model.base_qualify
    ).tolist()
    m_conv, m_unans = model.work_means()  # the seller's time per attempt: talk + wrap-up
    rank = list(model.tier_rank)

    def pick_value(now: float) -> int:
        best_q: deque[int] | None = None
        best = -1.0
        for t in rank:
            q = queues[t]
            while q:
                i = q[0]
                if stale(i, now):
                    q.popleft()
                    continue
                age = now - created[i]
                p = p0[t] * contact(age)
                mu = 1.0 / (p * m_conv + (1.0 - p) * m_unans)
                rate = contact.decay_rate(age) + qualify.decay_rate(age)
                index = worth[t] * p * qualify(age) * mu / max(rate, 1e-9)
                if index > best:  # ties: the earlier tier in tier_order
                    best, best_q = index, q
                break
        return best_q.popleft() if best_q is not None else -1

    return push, pick_value


# -- replication ---------------------------------------------------------------------------
