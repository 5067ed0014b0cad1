"""The reference event loop of the engine, on simpy: :func:`simulate`.

simpy's :class:`~simpy.Environment` is the event calendar of this loop
(``run_replication(..., loop="simpy")``), used callback-style: every event is a tiny slotted
object with one callback, scheduled with ``env.schedule``; there is no generator process per
lead. The default loop, :func:`slasim.engine.eventloop.simulate`, runs the same handlers on a
plain heap in simpy's event order, ~3x faster, with identical records (tested).

Events are attempt completions and seller interval starts/ends, plus one "wake" event kept
pending while some seller is idle. Lead creations (a sorted array) and
retries (a heap of due times) are not events of their own: every handler first admits, in time
order, everything created or due up to its own time into the ready queue, so the queue order is
exactly entry-time order, as if each had its own event; the wake event makes sure an idle seller
sees new work at the moment it appears. While every seller is busy or off shift (a backlog, a
night) leads and retries therefore cost no events at all.

Routing takes a task (lead ``i``, its next attempt) from the ready queue: ``fifo`` (earliest
entry), ``newest_first`` (latest entry), ``tier_priority`` (fifo within the tier order) or
``value_index``: the tier head with the largest
``value * base_contact * f(age) * mu(age) / max(theta(age), 1e-9)`` (Atar, Giat & Shimkin 2010),
where ``value = opportunity_rate * win_rate * deal mean * base_qualify``, ``f`` is the product
of the contact and qualify curves, ``theta`` the sum of their decay rates and ``mu`` the service
rate ``1 / E[handling + wrap-up]`` at the current contact probability. With lead ownership
(``routing.owner`` / ``keep_owner``, :mod:`slasim.engine.ownership`) each seat also has a queue
of its own, and a seller takes from it and the shared queue in that order of the policy.

Patience (Erlang A abandonment) is lazy like the age cut-off: lead ``i`` gets a deadline
``created + patience_i`` (the earlier of that and the cut-off), and a router that meets it
past its deadline before its first attempt drops it as ``nurtured`` (recording ``abandoned``).
Under FIFO this is exactly an abandonment at the deadline, since a lead that has left never
blocks anyone; the no-patience path is unchanged.

Change a handler here and in :func:`slasim.engine.eventloop.simulate` together; the time a
seller is occupied past its interval is counted by the one
:func:`~slasim.engine.eventloop.occupy`.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from heapq import heappop, heappush
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import numpy.typing as npt
import simpy
from simpy.events import NORMAL

from slasim.engine.eventloop import occupy
from slasim.engine.routing import CONTACTED, GAVE_UP, RunState, floats, ints, router
from slasim.model.decay import ExponentialDecay, FlatDecay

if TYPE_CHECKING:
    from slasim.engine import conversations
    from slasim.engine.arrivals import Arrivals
    from slasim.engine.compile import Model

__all__ = ["simulate"]

FloatArray = npt.NDArray[np.float64]


class _Due:
    """A bare simpy event: due time, one callback, and who it concerns (seller or lead)."""

    __slots__ = ("callbacks", "t", "who")
    _ok = True  # simpy's step() checks this after running the callbacks

    def __init__(self, callback: Callable[[_Due], None], t: float, who: int) -> None:
        self.callbacks = [callback]
        self.t = t
        self.who = who


def simulate(
    model: Model,
    leads: Arrivals,
    u_contact: FloatArray,
    h_conv: FloatArray,
    h_unans: FloatArray,
    shifts: list[list[tuple[float, float]]],
    deadline: FloatArray | None = None,
    owners: npt.NDArray[np.int32] | None = None,
    talks: conversations.Talks | None = None,
    slow: Callable[[int, float], float] | None = None,
) -> RunState:
    """Run the event loop; return the in-run per-lead state.

    ``slow(s, t)``: the ramp's handling factor of seller ``s`` at minute ``t``, multiplying
    the duration of an attempt it starts then (None: no ramp).

    Pending work that is not yet in the ready queue -- leads not yet created (sorted array)
    and retries not yet due (a heap of ``(due, lead)``) -- is admitted lazily: every handler
    first moves everything due by its own time into the queue, in time order. Only while a
    seller is idle is a simpy "wake" event kept pending at the next creation or due time.
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

    # Contact probability at an age: inline the common curves (a call costs more than the math).
    curve = model.contact_curve
    mode = 2
    theta = floor = 0.0
    if isinstance(curve, FlatDecay):
        mode = 0
    elif isinstance(curve, ExponentialDecay):
        mode, theta, floor = 1, curve.theta, curve.floor
    exp = math.exp

    env = simpy.Environment()
    # simpy's step() only needs `callbacks` and `_ok` from an event, which _Due provides at a
    # fraction of the cost of a full simpy.Event (no __dict__, no checks).
    schedule = cast(Callable[[_Due, Any, float], None], env.schedule)

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
        # Merge creations and due retries into the queue in time order (a creation first on a
        # tie), so queue order is entry-time order exactly as if each had its own event.
        nonlocal ai
        j = ai
        while True:
            c = created[j] if j < n else inf
            if retries and retries[0][0] < c:
                if retries[0][0] > now:
                    break
                push(heappop(retries)[1])
            elif c <= now:
                push(j)
                j += 1
            else:
                break
        ai = j

    def ensure_wake(now: float) -> None:
        nonlocal wake_at
        t = created[ai] if ai < n else inf
        if retries and retries[0][0] < t:
            t = retries[0][0]
        if t < wake_at:
            wake_at = t
            schedule(_Due(on_wake, t, 0), NORMAL, t - now)

    # Follow-up conversations (slasim.engine.conversations): off = None, one test per attempt.
    decide = talks.decider() if talks is not None else None
    talk = [floats(row) for row in talks.talk] if talks is not None else []
    held = talks.held if talks is not None else None

    def book(i: int, due: float, now: float) -> None:
        if due < horizon:
            heappush(retries, (due, i))
            if idle and due < wake_at:
                ensure_wake(now)

    def follow_up(s: int, i: int, now: float) -> None:
        # A booked follow-up conversation: always reached, not an attempt. The seller's time
        # is booked as serve() books an attempt's (kept apart so serve stays as it was).
        assert decide is not None and held is not None
        d = talk[held[i] - 1][i]
        end = now + (d if slow is None else d * slow(s, now))
        book(i, decide(i, now, end), now)
        busy[s] = True
        if end < iv_end[s]:
            if now >= t0:
                busy_acc[s] += end - now
            elif end > t0:
                busy_acc[s] += end - t0
            schedule(_Due(on_done, end, s), NORMAL, end - now)
        elif end < horizon:
            schedule(_Due(on_done, end, s), NORMAL, end - now)
            split(s, now, end)
        else:
            split(s, now, horizon)

    def serve(s: int, i: int, now: float) -> None:
        if decide is not None and status[i] == CONTACTED:
            follow_up(s, i, now)
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
                book(i, decide(i, now, end), now)
        else:
            end = now + (hu[k][i] if slow is None else hu[k][i] * slow(s, now))
            if k + 1 >= max_att:
                status[i] = GAVE_UP
            else:
                gap = gaps[k]
                due = add_business(end, gap) if business_gaps else end + gap
                wend = created[i] + window
                # An infinite due date means "after the horizon": unknown, unless the
                # window closes inside the horizon anyway.
                if due > wend and (due < inf or wend < horizon):
                    status[i] = GAVE_UP
                elif due < horizon:
                    heappush(retries, (due, i))
                    if idle and due < wake_at:
                        ensure_wake(now)
        busy[s] = True
        if end < iv_end[s]:
            # The common case: the attempt ends inside the interval, hence before the horizon
            # (an attempt ending exactly at the interval end takes the split path: no overtime).
            if now >= t0:
                busy_acc[s] += end - now
            elif end > t0:
                busy_acc[s] += end - t0  # started in the warm-up: only its part in the horizon
            schedule(_Due(on_done, end, s), NORMAL, end - now)
        elif end < horizon:
            schedule(_Due(on_done, end, s), NORMAL, end - now)
            split(s, now, end)
        else:
            split(s, now, horizon)  # the period ends: the rest of the attempt is not in it

    def split(s: int, now: float, end: float) -> None:
        # The attempt runs past the end of its interval (eventloop.occupy).
        inside, outside = occupy(shifts[s], pos[s], iv_end[s], t0, now, end)
        busy_acc[s] += inside
        over_acc[s] += outside

    def dispatch(now: float) -> None:
        if owned:
            dispatch_owned(now)
            return
        while idle:
            s = idle.popleft()
            if not is_idle[s]:
                continue  # left behind when the seller's interval ended
            i = pick(s, now)
            if i < 0:
                idle.appendleft(s)
                ensure_wake(now)
                return
            is_idle[s] = False
            serve(s, i, now)

    def dispatch_owned(now: float) -> None:
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
            serve(s, i, now)
        if left:
            idle.extend(left)
            ensure_wake(now)

    def take_or_idle(s: int, now: float) -> None:
        if (ai < n and created[ai] <= now) or (retries and retries[0][0] <= now):
            admit(now)
        i = pick(s, now)
        if i >= 0:
            serve(s, i, now)
        else:
            idle.append(s)
            is_idle[s] = True
            ensure_wake(now)

    def on_done(ev: _Due) -> None:
        s = ev.who
        busy[s] = False
        if on[s]:
            take_or_idle(s, ev.t)

    def on_wake(ev: _Due) -> None:
        nonlocal wake_at
        now = ev.t
        if now >= wake_at:
            wake_at = inf  # this is the pending wake (an earlier one may have superseded others)
        admit(now)
        dispatch(now)

    def on_start(ev: _Due) -> None:
        s, now = ev.who, ev.t
        on[s] = True
        b = shifts[s][pos[s]][1]
        iv_end[s] = b if b < horizon else horizon
        if b < horizon:
            schedule(_Due(on_end, b, s), NORMAL, b - now)
        if not busy[s]:
            take_or_idle(s, now)

    def on_end(ev: _Due) -> None:
        # A busy seller finishes the current attempt; on_done then sees on[s] is False.
        s, now = ev.who, ev.t
        on[s] = False
        # Leave the entry in `idle` (removal is O(sellers)); dispatch skips it. If the seller is
        # idle again before it is reached, the old entry serves, slightly early in the order.
        is_idle[s] = False
        pos[s] += 1
        if pos[s] < len(shifts[s]):
            a = shifts[s][pos[s]][0]
            schedule(_Due(on_start, a, s), NORMAL, a - now)

    for s, ivs in enumerate(shifts):
        if ivs:
            schedule(_Due(on_start, ivs[0][0], s), NORMAL, ivs[0][0])
    env.run(until=horizon)
    return out
