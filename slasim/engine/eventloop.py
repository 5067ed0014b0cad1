"""The engine's event loop on a plain heap: the simpy model's events, in simpy's order.

:func:`slasim.engine.replication.run_replication` runs this loop by default; ``loop="simpy"``
runs the reference (:mod:`slasim.engine.simpyloop`), the same handlers on a
:class:`simpy.Environment`. Both produce bit-identical records on the same seed
(``tests/test_eventloop.py`` checks every routing policy, patience, cut-offs, shrinkage, night
shifts and overload), because this loop reproduces what simpy does with the model's events:

- the heap holds ``(key, id, kind, seller, t)``; ``key`` is simpy's due time, computed as simpy
  does (``now + delay`` with ``now`` the key of the event being handled and ``delay = t - now``
  as the handlers pass it), and ``id`` increases with every scheduling, like simpy's event ids:
  ties in time go in scheduling order;
- every event has simpy's ``NORMAL`` priority, and the period ends before any event due at
  the horizon (simpy's ``run(until=horizon)`` stops with an ``URGENT`` event at the horizon);
- the handlers are the simpy model's, with each event's callback inlined and the attempt
  handling (``serve``) written out once.

What simpy costs per event -- an event object with a callback list, ``step()`` with its
checks, a callback call -- is most of the time of a small month, which is what users run in
the hundreds: this loop is ~3x faster per lead with the same model (``benchmarks/engine.py``).
Change a handler here and in :func:`slasim.engine.simpyloop.simulate` together.
"""

from __future__ import annotations

import itertools
import math
from collections import deque
from collections.abc import Callable
from heapq import heappop, heappush
from types import ModuleType
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from slasim.engine.routing import CONTACTED, GAVE_UP, RunState, floats, ints, router
from slasim.model.decay import ExponentialDecay, FlatDecay

if TYPE_CHECKING:
    from slasim.engine.arrivals import Arrivals
    from slasim.engine.compile import Model
    from slasim.engine.conversations import Talks

__all__ = ["occupy", "simulate"]

FloatArray = npt.NDArray[np.float64]

_DONE, _WAKE, _START, _END = 0, 1, 2, 3


def _jitloop() -> ModuleType | None:
    """:mod:`slasim.engine.jitloop`, imported on first use (it imports numba); None without
    numba."""
    try:
        from slasim.engine import jitloop
    except ImportError:  # pragma: no cover - numba is a dependency; a broken install falls back
        return None
    return jitloop


def occupy(
    ivs: list[tuple[float, float]], pos: int, iv_end: float, t0: float, now: float, end: float
) -> tuple[float, float]:
    """Busy and overtime minutes of a seller occupied from ``now`` to ``end``, past the end
    of its current interval.

    The attempt started inside interval ``pos`` of ``ivs`` (which ends at ``iv_end``, cut at
    the horizon) and runs past its end: only the overlap with this and any later intervals it
    reaches is busy time; the rest is overtime. Both count from ``t0`` on: the part of an
    attempt in the warm-up is not in the period. The one count of both Python loops (the
    common case, an attempt ending inside its interval, stays inline in them).
    """
    lo = now if now >= t0 else t0
    if end <= lo:
        return 0.0, 0.0
    inside = iv_end - lo if iv_end > lo else 0.0  # 0: started right at its end
    p = pos + 1
    while p < len(ivs) and ivs[p][0] < end:
        a, b = ivs[p]
        x = (end if end < b else b) - (a if a > lo else lo)
        if x > 0.0:
            inside += x
        p += 1
    return inside, (end - lo) - inside


def simulate(
    model: Model,
    leads: Arrivals,
    u_contact: FloatArray,
    h_conv: FloatArray,
    h_unans: FloatArray,
    shifts: list[list[tuple[float, float]]],
    deadline: FloatArray | None = None,
    *,
    compiled: bool = True,
    owners: npt.NDArray[np.int32] | None = None,
    talks: Talks | None = None,
    slow: Callable[[int, float], float] | None = None,
) -> RunState:
    """Run the event loop; return the in-run per-lead state (as
    :func:`slasim.engine.simpyloop.simulate`).

    ``compiled=True`` runs :mod:`slasim.engine.jitloop` when it covers the model and numba is
    installed; otherwise (or with ``compiled=False``) the pure-Python loop below runs.
    ``talks`` holds the follow-up conversations (:mod:`slasim.engine.conversations`; None: off).
    ``slow(s, t)`` is the ramp's handling factor (see :func:`slasim.engine.simpyloop.simulate`): the
    compiled loop does not apply it, so a ramp that slows handling runs the Python loop.
    """
    n = len(leads)
    horizon = model.run_minutes
    t0 = model.warmup_minutes  # busy and overtime minutes count from here (the horizon start)
    inf = math.inf
    n_sellers = len(shifts)
    out = RunState(
        first=np.full(n, np.nan),
        contact=np.full(n, np.nan),
        attempts=np.zeros(n, dtype=np.int16),
        status=np.zeros(n, dtype=np.int8),
        seller=np.full(n, -1, dtype=np.int32),
        busy=[0.0] * n_sellers,
        overtime=[0.0] * n_sellers,
        owner=owners,
    )
    jit = _jitloop() if compiled else None
    if jit is not None and slow is None and jit.covers(model):
        out.busy, out.overtime = jit.run(
            model, leads.created, leads.tier, u_contact, h_conv, h_unans, shifts, deadline,
            out.first, out.contact, out.attempts, out.status, out.seller,
        )
        return out
    created = floats(leads.created)
    tier = ints(leads.tier)
    first = floats(out.first)
    first_seller = ints(out.seller)
    contact_t = floats(out.contact)
    att = ints(out.attempts)
    status = ints(out.status)
    busy_acc = out.busy
    over_acc = out.overtime
    uc = [floats(row) for row in u_contact]
    hc = [floats(row) for row in h_conv]
    hu = [floats(row) for row in h_unans]
    p0 = model.base_contact.tolist()
    max_att = model.max_attempts
    gaps = model.gaps
    window = model.window_minutes
    add_business = model.calendar.business_adder()
    business_gaps = model.business_gaps

    curve = model.contact_curve
    mode = 2
    theta = floor = 0.0
    if isinstance(curve, FlatDecay):
        mode = 0
    elif isinstance(curve, ExponentialDecay):
        mode, theta, floor = 1, curve.theta, curve.floor
    exp = math.exp

    # simpy's event queue: (key, id, kind, seller, t); see the module docstring.
    heap: list[tuple[float, int, int, int, float]] = []
    next_id = itertools.count().__next__

    busy = [False] * n_sellers
    on = [False] * n_sellers
    is_idle = [False] * n_sellers
    idle: deque[int] = deque()  # idle sellers, longest idle first (entries may be stale)
    pos = [0] * n_sellers
    iv_end = [0.0] * n_sellers  # end of the seller's current available interval, <= horizon
    retries: list[tuple[float, int]] = []  # heap of (due, lead)
    ai = 0  # next lead not yet admitted to the queue
    wake_at = inf  # time of the latest scheduled wake event

    owned = model.owned  # routing.owner / keep_owner: one queue per seat (slasim.engine.ownership)
    push, pick = router(
        model, created, att, status, tier, None if deadline is None else floats(deadline),
        (ints(owners) if owners is not None else first_seller) if owned else None, n_sellers,
    )

    def admit(now: float) -> None:
        # Creations and due retries into the queue in time order (a creation first on a tie).
        nonlocal ai
        j = ai
        c = created[j] if j < n else inf
        while True:
            if retries and retries[0][0] < c:
                if retries[0][0] > now:
                    break
                push(heappop(retries)[1])
            elif c <= now:
                push(j)
                j += 1
                c = created[j] if j < n else inf
            else:
                break
        ai = j

    def ensure_wake(now: float, clock: float) -> None:
        nonlocal wake_at
        t = created[ai] if ai < n else inf
        if retries and retries[0][0] < t:
            t = retries[0][0]
        if t < wake_at:
            wake_at = t
            heappush(heap, (clock + (t - now), next_id(), _WAKE, 0, t))

    # Follow-up conversations (slasim.engine.conversations): off = None, one test per attempt.
    decide = talks.decider() if talks is not None else None
    talk = [floats(row) for row in talks.talk] if talks is not None else []
    held = talks.held if talks is not None else None

    def book(i: int, due: float, now: float, clock: float) -> None:
        if due < horizon:
            heappush(retries, (due, i))
            if idle and due < wake_at:
                ensure_wake(now, clock)

    def follow_up(s: int, i: int, now: float, clock: float) -> None:
        # simpyloop.simulate's follow_up: serve()'s booking of the seller's time, kept apart.
        assert decide is not None and held is not None
        d = talk[held[i] - 1][i]
        end = now + (d if slow is None else d * slow(s, now))
        book(i, decide(i, now, end), now, clock)
        busy[s] = True
        if end < iv_end[s]:
            if now >= t0:
                busy_acc[s] += end - now
            elif end > t0:
                busy_acc[s] += end - t0
            heappush(heap, (clock + (end - now), next_id(), _DONE, s, end))
        elif end < horizon:
            heappush(heap, (clock + (end - now), next_id(), _DONE, s, end))
            split(s, now, end)
        else:
            split(s, now, horizon)

    def serve(s: int, i: int, now: float, clock: float) -> None:
        if decide is not None and status[i] == CONTACTED:
            follow_up(s, i, now, clock)
            return
        k = att[i]
        att[i] = k + 1
        if k == 0:
            first[i] = now
            first_seller[i] = s
        age = now - created[i]
        if mode == 0:
            p = p0[tier[i]]
        elif mode == 1:
            e = exp(-theta * age)
            p = p0[tier[i]] * (e + floor * (1.0 - e))
        else:
            p = p0[tier[i]] * curve(age)
        if uc[k][i] < p:
            status[i] = CONTACTED
            contact_t[i] = now
            end = now + (hc[k][i] if slow is None else hc[k][i] * slow(s, now))
            if decide is not None:
                book(i, decide(i, now, end), now, clock)
        else:
            end = now + (hu[k][i] if slow is None else hu[k][i] * slow(s, now))
            if k + 1 >= max_att:
                status[i] = GAVE_UP
            else:
                gap = gaps[k]
                due = add_business(end, gap) if business_gaps else end + gap
                wend = created[i] + window
                if due > wend and (due < inf or wend < horizon):
                    status[i] = GAVE_UP
                elif due < horizon:
                    heappush(retries, (due, i))
                    if idle and due < wake_at:
                        ensure_wake(now, clock)
        busy[s] = True
        if end < iv_end[s]:
            if now >= t0:
                busy_acc[s] += end - now
            elif end > t0:
                busy_acc[s] += end - t0
            heappush(heap, (clock + (end - now), next_id(), _DONE, s, end))
        elif end < horizon:
            heappush(heap, (clock + (end - now), next_id(), _DONE, s, end))
            split(s, now, end)
        else:
            split(s, now, horizon)

    def split(s: int, now: float, end: float) -> None:
        # The attempt runs past the end of its interval (eventloop.occupy).
        inside, outside = occupy(shifts[s], pos[s], iv_end[s], t0, now, end)
        busy_acc[s] += inside
        over_acc[s] += outside

    def take_or_idle(s: int, now: float, clock: float) -> None:
        if (ai < n and created[ai] <= now) or (retries and retries[0][0] <= now):
            admit(now)
        i = pick(s, now)
        if i >= 0:
            serve(s, i, now, clock)
        else:
            idle.append(s)
            is_idle[s] = True
            ensure_wake(now, clock)

    def dispatch_owned(now: float, clock: float) -> None:
        # Each seat has its own queue: a seller with nothing to take says nothing about the
        # next one, so every idle seller is asked (in idle order) and those left stay idle.
        left: list[int] = []
        while idle:
            s = idle.popleft()
            if not is_idle[s] or s in left:
                continue
            i = pick(s, now)
            if i < 0:
                left.append(s)
                continue
            is_idle[s] = False
            serve(s, i, now, clock)
        if left:
            idle.extend(left)
            ensure_wake(now, clock)

    for s, ivs in enumerate(shifts):
        if ivs:
            heappush(heap, (0 + ivs[0][0], next_id(), _START, s, ivs[0][0]))
    while heap:
        clock, _, kind, s, now = heappop(heap)
        if clock >= horizon:
            break  # simpy's stop event at the horizon is URGENT: it comes first on a tie
        if kind == _DONE:
            busy[s] = False
            if on[s]:  # take_or_idle, inlined: this is the most frequent event
                if (ai < n and created[ai] <= now) or (retries and retries[0][0] <= now):
                    admit(now)
                i = pick(s, now)
                if i >= 0:
                    serve(s, i, now, clock)
                else:
                    idle.append(s)
                    is_idle[s] = True
                    ensure_wake(now, clock)
        elif kind == _WAKE:
            if now >= wake_at:
                wake_at = inf
            admit(now)
            if owned:
                dispatch_owned(now, clock)
                continue
            while idle:
                s = idle.popleft()
                if not is_idle[s]:
                    continue
                i = pick(s, now)
                if i < 0:
                    idle.appendleft(s)
                    ensure_wake(now, clock)
                    break
                is_idle[s] = False
                serve(s, i, now, clock)
        elif kind == _START:
            on[s] = True
            b = shifts[s][pos[s]][1]
            iv_end[s] = b if b < horizon else horizon
            if b < horizon:
                heappush(heap, (clock + (b - now), next_id(), _END, s, b))
            if not busy[s]:
                take_or_idle(s, now, clock)
        else:
            on[s] = False
            is_idle[s] = False
            pos[s] += 1
            if pos[s] < len(shifts[s]):
                a = shifts[s][pos[s]][0]
                heappush(heap, (clock + (a - now), next_id(), _START, s, a))
    return out
