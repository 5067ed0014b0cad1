"""Pieces shared by the engine's two event loops: in-run lead status, routing, views.

:func:`router` builds the ready queue of a routing policy (registered in
:mod:`slasim.model.routing`; the built-in factories are here); :class:`RunState` is what an event
loop hands back (:func:`slasim.engine.simpyloop.simulate`, simpy, and
:func:`slasim.engine.eventloop.simulate`).
"""

from __future__ import annotations

import importlib
import itertools
import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import numpy.typing as npt

from slasim.model.routing import ROUTERS, RouterSpec, router_names

if TYPE_CHECKING:
    from slasim.engine.compile import Model

__all__ = [
    "CONTACTED",
    "GAVE_UP",
    "OPEN",
    "RunState",
    "factory",
    "fifo_router",
    "floats",
    "ints",
    "newest_first_router",
    "router",
    "tier_priority_router",
    "value_index_router",
]

FloatArray = npt.NDArray[np.float64]
#: ``stale(i, now)``: lead ``i`` has left the queue by ``now`` (and is marked given up).
Stale = Callable[[int, float], bool]
#: ``(push, pick)`` of a ready queue (:func:`router`).
Router = tuple[Callable[[int], None], Callable[[int, float], int]]
#: The policies the per-seat queues of lead ownership cover (:func:`_owned_router`).
_OWNED = ("fifo", "newest_first", "tier_priority", "value_index")
# "module:attr" factories already imported.
_RESOLVED: dict[str, Callable[..., Any]] = {}

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
    # Per lead: the owner assigned at creation (routing.owner round_robin / weighted), -1 if
    # none; None: the owner is the seller of the first attempt.
    owner: npt.NDArray[np.int32] | None = None


def router(
    model: Model,
    created: memoryview[float],
    att: memoryview[int],
    status: memoryview[int],
    tier: memoryview[int],
    deadline: memoryview[float] | None = None,
    owner: memoryview[int] | None = None,
    seats: int = 0,
) -> Router:
    """``(push, pick)`` for the routing policy: push a ready lead; ``pick(s, now)``: the next
    lead seller ``s`` takes (or -1). The queue comes from the policy's factory in the registry
    (:func:`factory`), or with ownership from :func:`_owned_router` (built-in policies only).

    ``deadline[i]``, when given, is the time lead ``i`` leaves the queue if still waiting for
    its first attempt (patience and age cut-off combined); otherwise the cut-off applies alone.
    With ownership (``model.owned``, :mod:`slasim.engine.ownership`), ``owner[i]`` is lead ``i``'s
    owner seat (assigned at creation, or with ``first_attempt`` the seller of its first
    attempt) and ``seats`` the number of seats: each seat has its own queue besides the shared
    one, and seller ``s`` takes from both in the policy's order. Without, ``s`` is unused.
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

    if model.owned:
        if owner is None:
            raise ValueError("routing with owners needs the owner of each lead")
        if model.policy not in _OWNED:
            raise ValueError(
                f"routing.policy(={model.policy!r}) does not route with lead ownership "
                f"(routing.owner / keep_owner); expected one of {', '.join(_OWNED)}"
            )
        return _owned_router(model, created, att, tier, stale, owner, seats)
    # None: no lead ever goes stale, which lets fifo and newest_first skip the check.
    return factory(model.policy, model.router_spec)(
        model, created, att, tier, None if cutoff is None and deadline is None else stale
    )


def factory(policy: str, spec: RouterSpec | None = None) -> Callable[..., Router]:
    """The queue factory of the registered routing ``policy`` (:mod:`slasim.model.routing`),
    imported on first use when it is registered as a ``"module:attr"`` string. ``spec``, when
    given, is the policy's spec as the model carries it (this process may not have it)."""
    spec = spec or ROUTERS.get(policy)
    if spec is None:
        raise ValueError(
            f"routing.policy(={policy!r}) must be one of {', '.join(router_names())}"
        )
    if not isinstance(spec.factory, str):
        return spec.factory
    made = _RESOLVED.get(spec.factory)
    if made is None:
        module, _, attr = spec.factory.partition(":")
        made = getattr(importlib.import_module(module), attr)
        _RESOLVED[spec.factory] = made
    return cast(Callable[..., Router], made)


def _never_stale(i: int, now: float) -> bool:
    return False


def fifo_router(
    model: Model, created: memoryview[float], att: memoryview[int], tier: memoryview[int],
    stale: Stale | None,
) -> Router:
    """One queue, earliest entry first."""
    return _one_queue(stale, newest=False)


def newest_first_router(
    model: Model, created: memoryview[float], att: memoryview[int], tier: memoryview[int],
    stale: Stale | None,
) -> Router:
    """One queue, latest entry first."""
    return _one_queue(stale, newest=True)


def _one_queue(stale: Stale | None, *, newest: bool) -> Router:
    queue: deque[int] = deque()
    take = queue.pop if newest else queue.popleft
    if stale is None:
        def pick(s: int, now: float) -> int:
            return take() if queue else -1
    else:
        def pick(s: int, now: float) -> int:
            while queue:
                i = take()
                if not stale(i, now):
                    return i
            return -1
    return queue.append, pick


def _tier_queues(
    model: Model, tier: memoryview[int]
) -> tuple[list[deque[int]], Callable[[int], None]]:
    queues: list[deque[int]] = [deque() for _ in model.tier_names]

    def push(i: int) -> None:
        queues[tier[i]].append(i)

    return queues, push


def tier_priority_router(
    model: Model, created: memoryview[float], att: memoryview[int], tier: memoryview[int],
    stale: Stale | None,
) -> Router:
    """One queue per tier, taken fifo in the tier order."""
    queues, push = _tier_queues(model, tier)
    ranked = [queues[t] for t in model.tier_rank]
    gone = stale or _never_stale

    def pick_tier(s: int, now: float) -> int:
        for q in ranked:
            while q:
                i = q.popleft()
                if not gone(i, now):
                    return i
        return -1
    return push, pick_tier


def value_index_router(
    model: Model, created: memoryview[float], att: memoryview[int], tier: memoryview[int],
    stale: Stale | None,
) -> Router:
    """One queue per tier; the tier head with the largest value index (:func:`_value_index`)."""
    queues, push = _tier_queues(model, tier)
    value = _value_index(model, created)
    rank = list(model.tier_rank)
    gone = stale or _never_stale

    def pick_value(s: int, now: float) -> int:
        best_q: deque[int] | None = None
        best = -1.0
        for t in rank:
            q = queues[t]
            while q:
                i = q[0]
                if gone(i, now):
                    q.popleft()
                    continue
                index = value(t, i, now)
                if index > best:  # ties: the earlier tier in tier_order
                    best, best_q = index, q
                break
        return best_q.popleft() if best_q is not None else -1

    return push, pick_value


def _value_index(
    model: Model, created: memoryview[float]
) -> Callable[[int, int, float], float]:
    """``index(tier, lead, now)`` of the value_index policy (as in :func:`router`)."""
    contact, qualify = model.contact_curve, model.qualify_curve
    p0 = model.base_contact.tolist()
    worth = (
        model.opportunity_rate * model.win_rate * model.deal_mean * model.base_qualify
    ).tolist()
    m_conv, m_unans = model.work_means()  # the seller's time per attempt: talk + wrap-up

    def index(t: int, i: int, now: float) -> float:
        age = now - created[i]
        p = p0[t] * contact(age)
        mu = 1.0 / (p * m_conv + (1.0 - p) * m_unans)
        rate = contact.decay_rate(age) + qualify.decay_rate(age)
        return cast(float, worth[t] * p * qualify(age) * mu / max(rate, 1e-9))

    return index


def _owned_router(
    model: Model,
    created: memoryview[float],
    att: memoryview[int],
    tier: memoryview[int],
    stale: Callable[[int, float], bool],
    owner: memoryview[int],
    seats: int,
) -> tuple[Callable[[int], None], Callable[[int, float], int]]:
    """The router with one queue per seat plus a shared one (see :func:`router`).

    Seller ``s`` sees its own queue and the shared queue as one: within a tier, leads in
    entry order (``entry[i]``: a counter at push), which fifo and newest_first take from the
    front and the back, tier_priority tier by tier, and value_index by the index of each
    tier's front lead.
    """
    preassigned = model.owner_rule != "first_attempt"
    keep = model.keep_owner
    by_tier = model.policy in ("tier_priority", "value_index")
    tiers = range(len(model.tier_names)) if by_tier else range(1)
    # queues[q][t]: seat q's queue (q = seats: the shared one) of tier t (one tier unless the
    # policy ranks tiers).
    queues = [[deque[int]() for _ in tiers] for _ in range(seats + 1)]
    entry = [0] * len(created)
    count = itertools.count().__next__

    def push(i: int) -> None:
        o = owner[i] if (preassigned if att[i] == 0 else keep) else -1
        entry[i] = count()
        queues[o if o >= 0 else seats][tier[i] if by_tier else 0].append(i)

    def front(a: deque[int], b: deque[int], now: float) -> deque[int] | None:
        # The queue whose front lead entered first, after dropping stale fronts.
        while a and stale(a[0], now):
            a.popleft()
        while b and stale(b[0], now):
            b.popleft()
        if not a:
            return b or None
        return a if not b or entry[a[0]] < entry[b[0]] else b

    shared = queues[seats]
    if model.policy == "newest_first":
        def pick_newest(s: int, now: float) -> int:
            a, b = queues[s][0], shared[0]
            while a or b:
                q = a if not b or (a and entry[a[-1]] > entry[b[-1]]) else b
                i = q.pop()
                if not stale(i, now):
                    return i
            return -1
        return push, pick_newest

    rank = list(model.tier_rank) if by_tier else [0]
    if model.policy in ("fifo", "tier_priority"):
        def pick_front(s: int, now: float) -> int:
            own = queues[s]
            for t in rank:
                q = front(own[t], shared[t], now)
                if q is not None:
                    return q.popleft()
            return -1
        return push, pick_front

    index_of = _value_index(model, created)

    def pick_value(s: int, now: float) -> int:
        own = queues[s]
        best_q: deque[int] | None = None
        best = -1.0
        for t in rank:
            q = front(own[t], shared[t], now)
            if q is not None:
                index = index_of(t, q[0], now)
                if index > best:  # ties: the earlier tier in tier_order
                    best, best_q = index, q
        return best_q.popleft() if best_q is not None else -1

    return push, pick_value

