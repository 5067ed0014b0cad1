"""The event loop of :mod:`slasim.engine.eventloop` compiled with numba, for the common models.

:func:`slasim.engine.eventloop.simulate` calls :func:`run` when :func:`covers` the model: routing
``fifo``, ``newest_first`` or ``tier_priority``, and a flat or exponential contact curve (the
cases whose handlers need no Python object), without lead ownership (:mod:`slasim.engine.ownership`)
or follow-up conversations (``cadence.max_conversations > 1``; :mod:`slasim.engine.conversations`).
Everything else -- ``value_index`` routing, power-law or table curves, ownership, follow-ups --
runs the pure-Python loop. The code below is that loop written for numba on arrays: the same
events, the same order (keys computed as simpy computes them, ties by scheduling order), the
same float operations in the same order, so the records are identical to the simpy reference
(``tests/test_eventloop.py`` compares all three loops).

Queues are arrays instead of deques: a lead enters the ready queue at most ``max_attempts``
times, so each queue is a stretch of one array with a head and a tail index; the idle sellers
are a growable ring buffer. Compiled once per machine (numba's cache next to this file);
importing this module imports numba, so only :func:`slasim.engine.eventloop.simulate` does, lazily.
"""

from __future__ import annotations

import heapq
import math
from typing import TYPE_CHECKING, Any, cast

import numpy as np
from numba import njit

from slasim.model.calendar import _TOL
from slasim.model.decay import ExponentialDecay, FlatDecay

if TYPE_CHECKING:
    from slasim.engine.compile import Model

__all__ = ["covers", "run"]

_POLICIES = {"fifo": 0, "newest_first": 1, "tier_priority": 2}


def covers(model: Model) -> bool:
    """Whether the compiled loop handles ``model`` (else the Python loop runs).

    Not with lead ownership (``routing.owner`` other than first_attempt, or ``keep_owner``):
    per-seat queues run in the Python loop (the documented fallback); nor with follow-up
    conversations (``max_conversations > 1``), which run in the Python loops only; nor with a
    ramp that changes attempt durations (``team.ramp`` handling factors), applied per attempt
    by the Python loops only.
    """
    return (
        not model.owned
        and not model.slows_handling
        and model.policy in _POLICIES
        and isinstance(model.contact_curve, FlatDecay | ExponentialDecay)
        and model.max_conversations == 1
    )


def run(
    model: Model,
    created: np.ndarray,
    tier: np.ndarray,
    u_contact: np.ndarray,
    h_conv: np.ndarray,
    h_unans: np.ndarray,
    shifts: list[list[tuple[float, float]]],
    deadline: np.ndarray | None,
    first: np.ndarray,
    contact: np.ndarray,
    attempts: np.ndarray,
    status: np.ndarray,
    seller: np.ndarray,
) -> tuple[list[float], list[float]]:
    """Run the compiled loop, filling the per-lead arrays; return per-seller busy, overtime."""
    curve = model.contact_curve
    mode, theta, floor = 0, 0.0, 0.0
    if isinstance(curve, ExponentialDecay):
        mode, theta, floor = 1, float(curve.theta), float(curve.floor)
    n_sellers = len(shifts)
    offsets = np.zeros(n_sellers + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(ivs) for ivs in shifts])
    flat = np.array([iv for ivs in shifts for iv in ivs], dtype=np.float64).reshape(-1, 2)
    cal = model.calendar
    n_tiers = len(model.tier_names)
    counts = np.bincount(tier.astype(np.int64), minlength=n_tiers)
    queue_start = np.zeros(n_tiers, dtype=np.int64)
    queue_start[1:] = np.cumsum(counts[:-1] * model.max_attempts)
    gaps = np.array(model.gaps if model.gaps else (0.0,), dtype=np.float64)
    busy = np.zeros(n_sellers)
    over = np.zeros(n_sellers)
    limit = math.inf if model.age_cutoff is None else float(model.age_cutoff)
    cast(Any, _loop)(
        *(_plain(a) for a in (created, tier, u_contact, h_conv, h_unans)),
        _plain(deadline) if deadline is not None else np.empty(0), deadline is not None, limit,
        _plain(model.base_contact), mode, theta, floor, model.max_attempts, gaps,
        float(model.window_minutes), float(model.run_minutes), float(model.warmup_minutes),
        bool(model.business_gaps),
        # Writable contiguous copies: one compiled signature for every calendar (a read-only
        # view, as the calendar's own arrays are, would be a second type and a second compile).
        *(np.array(a, dtype=np.float64) for a in (cal._S, cal._E, cal._C, cal._CE)),
        flat[:, 0].copy(), flat[:, 1].copy(), offsets,
        _POLICIES[model.policy], np.array(model.tier_rank, dtype=np.int64), queue_start,
        first, contact, attempts, status, seller, busy, over,
    )
    return busy.tolist(), over.tolist()


def _plain(a: np.ndarray) -> np.ndarray:
    # numba compiles one version per array type, and read-only or non-contiguous arrays are
    # other types (a replayed trace's arrays may be read-only): hand it writable C arrays only.
    return a if a.flags.writeable and a.flags.c_contiguous else np.array(a)


# One function: the handlers share the loop's state, and numba closures cannot rebind it.
@njit(cache=True)
def _loop(
    created: Any, tier: Any, uc: Any, hc: Any, hu: Any,
    dl: Any, has_deadline: bool, limit: float,
    p0: Any, mode: int, theta: float, floor: float, max_att: int, gaps: Any,
    window: float, horizon: float, t0: float, business_gaps: bool,
    cal_s: Any, cal_e: Any, cal_c: Any, cal_ce: Any,
    iv_a: Any, iv_b: Any, offsets: Any,
    policy: int, rank: Any, queue_start: Any,
    first: Any, contact_t: Any, att: Any, status: Any, first_seller: Any, busy_acc: Any,
    over_acc: Any,
) -> None:
    inf = np.inf
    n = created.shape[0]
    n_sellers = offsets.shape[0] - 1
    n_tiers = queue_start.shape[0]
    k_cal = cal_s.shape[0]
    done_k, wake_k, start_k, end_k = 0, 1, 2, 3
    contacted, gave_up = 1, 2

    # Ready queues: one stretch of `queue` per tier (fifo/newest_first use tier 0's: all).
    queue = np.empty(max(n * max_att, 1), dtype=np.int32)  # lead indices (< 2**31)
    q_head = queue_start.copy()
    q_tail = queue_start.copy()
    if policy != 2:
        q_head[:] = 0
        q_tail[:] = 0

    busy = np.zeros(n_sellers, dtype=np.bool_)
    on = np.zeros(n_sellers, dtype=np.bool_)
    is_idle = np.zeros(n_sellers, dtype=np.bool_)
    pos = np.zeros(n_sellers, dtype=np.int64)
    iv_end = np.zeros(n_sellers)
    idle = np.empty(max(4 * n_sellers, 16), dtype=np.int64)  # ring buffer, grows when full
    i_head = 0
    i_size = 0

    heap = [(0.0, 0, 0, 0, 0.0)]
    heap.pop()
    retries = [(0.0, 0)]
    retries.pop()
    eid = 0
    ai = 0
    wake_at = inf

    for s in range(n_sellers):
        if offsets[s + 1] > offsets[s]:
            a = iv_a[offsets[s]]
            heapq.heappush(heap, (a, eid, start_k, s, a))
            eid += 1

    while len(heap) > 0:
        clock, _, kind, s, now = heapq.heappop(heap)
        if clock >= horizon:
            break  # simpy's stop event at the horizon is URGENT: it comes first on a tie
        dispatching = False
        if kind == done_k:
            busy[s] = False
            if not on[s]:
                continue
        elif kind == wake_k:
            if now >= wake_at:
                wake_at = inf
            dispatching = True
        elif kind == start_k:
            on[s] = True
            b = iv_b[offsets[s] + pos[s]]
            iv_end[s] = b if b < horizon else horizon
            if b < horizon:
                heapq.heappush(heap, (clock + (b - now), eid, end_k, s, b))
                eid += 1
            if busy[s]:
                continue
        else:
            on[s] = False
            is_idle[s] = False
            pos[s] += 1
            if pos[s] < offsets[s + 1] - offsets[s]:
                a = iv_a[offsets[s] + pos[s]]
                heapq.heappush(heap, (clock + (a - now), eid, start_k, s, a))
                eid += 1
            continue

        # admit: creations and due retries into the queue in time order (creation first on a
        # tie); a no-op when nothing is due, so it runs unconditionally.
        c = created[ai] if ai < n else inf
        while True:
            if len(retries) > 0 and retries[0][0] < c:
                if retries[0][0] > now:
                    break
                j = heapq.heappop(retries)[1]
            elif c <= now:
                j = ai
                ai += 1
                c = created[ai] if ai < n else inf
            else:
                break
            t = tier[j] if policy == 2 else 0
            queue[q_tail[t]] = j
            q_tail[t] += 1

        # take_or_idle (one seller) or dispatch (every idle seller, longest idle first).
        while True:
            if dispatching:
                if i_size == 0:
                    break
                s = idle[i_head]
                i_head = (i_head + 1) % idle.shape[0]
                i_size -= 1
                if not is_idle[s]:
                    continue
            # pick
            i = -1
            for r in range(n_tiers if policy == 2 else 1):
                t = rank[r] if policy == 2 else 0
                while q_head[t] < q_tail[t]:
                    if policy == 1:
                        q_tail[t] -= 1
                        j = queue[q_tail[t]]
                    else:
                        j = queue[q_head[t]]
                        q_head[t] += 1
                    if att[j] == 0 and (
                        (has_deadline and now > dl[j])
                        or (not has_deadline and now - created[j] > limit)
                    ):
                        status[j] = gave_up  # left the queue: cut-off or patience
                        continue
                    i = j
                    break
                if i >= 0:
                    break
            if i < 0:
                if i_size == idle.shape[0]:
                    grown = np.empty(2 * idle.shape[0], dtype=np.int64)
                    for x in range(i_size):
                        grown[x] = idle[(i_head + x) % idle.shape[0]]
                    idle = grown
                    i_head = 0
                if dispatching:
                    i_head = (i_head - 1) % idle.shape[0]
                    idle[i_head] = s
                else:
                    idle[(i_head + i_size) % idle.shape[0]] = s
                    is_idle[s] = True
                i_size += 1
                # ensure_wake
                tw = created[ai] if ai < n else inf
                if len(retries) > 0 and retries[0][0] < tw:
                    tw = retries[0][0]
                if tw < wake_at:
                    wake_at = tw
                    heapq.heappush(heap, (clock + (tw - now), eid, wake_k, 0, tw))
                    eid += 1
                break
            if dispatching:
                is_idle[s] = False

            # serve lead i with seller s
            k = att[i]
            att[i] = k + 1
            if k == 0:
                first[i] = now
                first_seller[i] = s
            age = now - created[i]
            if mode == 0:
                p = p0[tier[i]]
            else:
                e = math.exp(-theta * age)
                p = p0[tier[i]] * (e + floor * (1.0 - e))
            if uc[k, i] < p:
                status[i] = contacted
                contact_t[i] = now
                end = now + hc[k, i]
            else:
                end = now + hu[k, i]
                if k + 1 >= max_att:
                    status[i] = gave_up
                else:
                    gap = gaps[k]
                    if business_gaps:
                        # BusinessCalendar.business_adder, operation for operation.
                        ib = np.searchsorted(cal_s, end, side="right") - 1
                        if ib < 0:
                            target = 0.0 + gap
                        else:
                            eb = cal_e[ib]
                            target = cal_c[ib] + (end if end < eb else eb) - cal_s[ib] + gap
                        x = target - _TOL
                        if 0 <= ib < k_cal and cal_ce[ib] >= x and (ib == 0 or cal_ce[ib - 1] < x):
                            jb = ib
                        else:
                            jb = np.searchsorted(cal_ce, x, side="left")
                        if jb >= k_cal:
                            due = inf
                        else:
                            d = target - cal_c[jb]
                            v = cal_s[jb] + (d if d > 0.0 else 0.0)
                            eb = cal_e[jb]
                            sb = v if v < eb else eb
                            due = sb if sb > end else end
                    else:
                        due = end + gap
                    wend = created[i] + window
                    if due > wend and (due < inf or wend < horizon):
                        status[i] = gave_up
                    elif due < horizon:
                        heapq.heappush(retries, (due, i))
                        if i_size > 0 and due < wake_at:
                            tw = created[ai] if ai < n else inf
                            if len(retries) > 0 and retries[0][0] < tw:
                                tw = retries[0][0]
                            if tw < wake_at:
                                wake_at = tw
                                heapq.heappush(heap, (clock + (tw - now), eid, wake_k, 0, tw))
                                eid += 1
            busy[s] = True
            if end < iv_end[s]:
                if now >= t0:
                    busy_acc[s] += end - now
                elif end > t0:
                    busy_acc[s] += end - t0  # started in the warm-up: its part in the horizon
                heapq.heappush(heap, (clock + (end - now), eid, done_k, s, end))
                eid += 1
            else:
                if end < horizon:
                    heapq.heappush(heap, (clock + (end - now), eid, done_k, s, end))
                    eid += 1
                    stop = end
                else:
                    stop = horizon  # the period ends: the rest of the attempt is not in it
                # split: only the overlap with this and later available intervals is busy
                # time, both counted from t0 on (the horizon start)
                lo = now if now >= t0 else t0
                if stop > lo:
                    base = offsets[s]
                    size = offsets[s + 1] - base
                    inside = iv_end[s] - lo if iv_end[s] > lo else 0.0
                    q = pos[s] + 1
                    while q < size and iv_a[base + q] < stop:
                        bq = iv_b[base + q]
                        aq = iv_a[base + q]
                        x = (stop if stop < bq else bq) - (aq if aq > lo else lo)
                        if x > 0.0:
                            inside += x
                        q += 1
                    busy_acc[s] += inside
                    over_acc[s] += (stop - lo) - inside
            if not dispatching:
                break
