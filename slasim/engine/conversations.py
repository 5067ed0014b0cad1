"""Repeated conversations with a lead and the lead's own propensity to qualify.

A reached attempt is a *conversation*. Each lead ``i`` has a latent propensity ``q_i``: with
``propensity_concentration`` ``k`` set on its tier, ``q_i ~ Beta(k m, k (1 - m))`` with
``m = base_qualify`` (mean ``m``, variance ``m (1 - m) / (k + 1)``); omitted, ``q_i = m``.
A conversation at lead age ``a`` ends in one of three ways, decided by one uniform ``u``:

- qualified if ``u < p = q_i * f(a)`` (``f`` the qualify decay curve);
- disqualified (closed lost) if ``u < p + (1 - p) d``, ``d`` the tier's ``disqualify_rate``:
  ``d`` is a share of the conversations that do not qualify, so that every ``q_i`` in
  ``[0, 1]`` gives valid probabilities (a share of all conversations would need
  ``q_i + d <= 1``, which a Beta spread breaks);
- undecided otherwise: a follow-up conversation is booked ``cadence.follow_up_days`` after the
  end of this one (moved to the next opening with ``cadence.business_hours_only``), up to
  ``cadence.max_conversations``. An undecided lead whose conversations are used up, or whose
  follow-up would fall after the cadence window, goes to nurture (``nurtured``, as a lead the
  attempts never reached); one still waiting for its follow-up at the horizon end stays
  ``waiting``. With ``max_conversations = 1`` the one conversation decides as before: a lead
  it does not qualify is closed lost (``disqualify_rate`` then changes nothing).

A follow-up is a *booked call-back*: it is always reached (the lead agreed to it at the end of
the previous conversation), it enters the ready queue at its due time like a retry and is taken
by whichever seller routing gives it, and it costs that seller a conversation's talk and
wrap-up. It is not an attempt (``attempts`` counts attempts to reach the lead); the records'
``conversations`` counts it. Treating follow-ups as reachable-or-not attempts would mix the
contact model into the conversation count, and a calibration from call data could then not
tell "not reached" from "not convinced".

Why the conversion by conversation number falls: a lead still undecided after ``c - 1``
conversations has survived ``c - 1`` draws of ``(1 - q)(1 - d)``. With a flat qualify curve its
propensity is then ``Beta(a, b + c - 1)`` (``a = k m``, ``b = k (1 - m)``; the ``(1 - d)``
factors do not depend on ``q``), so

    P(qualified at conversation c | conversation c held) = a / (a + b + c - 1) = k m / (k + c - 1)

(:func:`qualify_by_conversation`): the shifted-beta-geometric of Fader & Hardie (2007), falling
from ``m`` at ``c = 1``; with no spread it stays ``m``.

Random numbers come from the stream ``conversations`` only (:func:`draw`), so with the feature
off nothing moves: sub-key 0 the propensities (drawn only when some tier has a concentration),
1 the uniforms of conversations 2.., 2 and 3 the follow-ups' talk and wrap-up times. The first
conversation's decision uses the funnel's qualify uniform, as before.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from slasim.engine.compile import Model

__all__ = [
    "DISQUALIFIED",
    "EXHAUSTED",
    "QUALIFIED",
    "UNDECIDED",
    "Talks",
    "draw",
    "expected_conversations",
    "propensities",
    "qualify_by_conversation",
]

FloatArray = npt.NDArray[np.float64]

#: Outcome of a lead's conversations (:attr:`Talks.outcome`).
UNDECIDED, QUALIFIED, DISQUALIFIED, EXHAUSTED = 0, 1, 2, 3


def propensities(
    model: Model, tier: npt.NDArray[np.integer], rng: Callable[[], np.random.Generator]
) -> FloatArray:
    """Each lead's propensity ``q_i``: the tier's ``base_qualify``, or a Beta draw around it.

    ``rng`` makes the ``conversations/0`` generator; it is called only when some tier has a
    concentration, so that without one no stream is touched.
    """
    m = model.base_qualify[tier]
    kappa = model.concentration
    if kappa is None:
        return m
    k = kappa[tier]
    # A tier without a concentration (NaN) or with base_qualify 0 or 1 (a degenerate Beta)
    # keeps m exactly; its parameters are set to 1 only for the vectorised draw.
    spread = ~np.isnan(k) & (m > 0.0) & (m < 1.0)
    a = np.where(spread, k * m, 1.0)
    b = np.where(spread, k * (1.0 - m), 1.0)
    q = rng().beta(a, b)
    return np.where(spread, q, m)


@dataclass
class Talks:
    """In-run conversation state of one replication (the two Python loops share it).

    ``decide`` holds a conversation; ``talk[c - 1][i]`` is the seller minutes (talk plus
    wrap-up) of lead ``i``'s conversation ``c + 1``. After the run, ``held``, ``outcome`` and
    ``decided`` (start of the deciding conversation; NaN while undecided) go into the records.
    """

    model: Model
    created: FloatArray
    tier: npt.NDArray[np.integer]
    q: FloatArray
    u: list[FloatArray]  # u[c]: uniforms of conversation c + 1 (u[0]: the funnel's qualify)
    talk: list[FloatArray]  # talk[c]: seller minutes of conversation c + 2
    held: npt.NDArray[np.int16]
    outcome: npt.NDArray[np.int8]
    decided: FloatArray

    def decider(self) -> Callable[[int, float, float], float]:
        """``decide(i, now, end)``: hold lead ``i``'s next conversation (``now`` to ``end``);
        return when its follow-up is due (``inf``: none, the lead is decided or out of time)."""
        model = self.model
        created, tier, q = self.created.tolist(), self.tier.tolist(), self.q.tolist()
        u = [row.tolist() for row in self.u]
        held, outcome, decided = self.held, self.outcome, self.decided
        d = model.disqualify_rate.tolist()
        curve = model.qualify_curve
        last = model.max_conversations
        gap = model.follow_up_minutes
        window, horizon = model.window_minutes, model.run_minutes
        next_open = model.calendar.next_open if model.business_gaps else None
        inf = math.inf

        def decide(i: int, now: float, end: float) -> float:
            c = int(held[i])
            held[i] = c + 1
            p = q[i] * curve(now - created[i])
            x = u[c][i]
            if x < p:
                outcome[i], decided[i] = QUALIFIED, now
                return inf
            if x < p + (1.0 - p) * d[tier[i]]:
                outcome[i], decided[i] = DISQUALIFIED, now
                return inf
            if c + 1 >= last:  # (last > 1 here: with one conversation there is no Talks)
                outcome[i], decided[i] = EXHAUSTED, now
                return inf
            due = end + gap
            if next_open is not None:
                due = next_open(due)
            wend = created[i] + window
            # As for retries: an infinite due date is "after the horizon", unknown unless the
            # window closes inside the horizon anyway.
            if due > wend and (due < inf or wend < horizon):
                outcome[i], decided[i] = EXHAUSTED, now
                return inf
            return due  # >= horizon: still undecided when the period ends

        return decide


def draw(
    model: Model,
    tier: npt.NDArray[np.integer],
    created: FloatArray,
    u_qualify: Callable[[], FloatArray],
    stream: Callable[[int], np.random.Generator],
) -> tuple[FloatArray | None, Talks | None]:
    """The propensities (None: every lead has its tier's base_qualify) and, when follow-ups
    are possible (``max_conversations > 1``), the loops' :class:`Talks`.

    ``u_qualify()`` draws the first conversation's qualify uniforms (per lead; drawn only with
    follow-ups) and ``stream(k)`` makes the generator of ``conversations/k``.
    """
    q = None
    if model.concentration is not None:
        q = propensities(model, tier, lambda: stream(0))
    if model.max_conversations <= 1:
        return q, None
    n = len(tier)
    rows = model.max_conversations - 1
    u_more = stream(1).random((rows, n))
    talk = model.conversation.draw(stream(2), (rows, n))
    if model.wrapup_conversation is not None:
        model.wrapup_conversation.add_to(stream(3), talk)
    talks = Talks(
        model=model, created=created, tier=tier,
        q=model.base_qualify[tier] if q is None else q,
        u=[u_qualify(), *u_more], talk=list(talk),
        held=np.zeros(n, dtype=np.int16), outcome=np.zeros(n, dtype=np.int8),
        decided=np.full(n, np.nan),
    )
    return q, talks


def survival(m: float, kappa: float | None, d: float, c: int) -> float:
    """P(a reached lead is still undecided after ``c`` conversations), flat qualify curve."""
    if kappa is None or not 0.0 < m < 1.0:
        stay = (1.0 - m) ** c
    else:
        a, b = kappa * m, kappa * (1.0 - m)
        # E[(1 - q)^c] for q ~ Beta(a, b) = B(a, b + c) / B(a, b).
        stay = math.prod((b + j) / (a + b + j) for j in range(c))
    return stay * (1.0 - d) ** c


def expected_conversations(m: float, kappa: float | None, d: float, max_conversations: int
                           ) -> float:
    """Expected conversations per reached lead, from the propensity model.

    ``sum_{c < max} P(undecided after c)`` with the qualify curve at age 0 and follow-ups never
    cut by the window or the horizon: what ``check`` and ``plan`` count as seller time. A
    decaying qualify curve makes later conversations qualify less (more follow-ups), the window
    fewer: both are left to the simulation.
    """
    return sum(survival(m, kappa, d, c) for c in range(max_conversations))


def qualify_by_conversation(m: float, kappa: float | None, c: int) -> float:
    """P(qualified at conversation ``c`` | conversation ``c`` held), flat qualify curve:
    ``k m / (k + c - 1)`` (beta-geometric), ``m`` without a spread."""
    if kappa is None:
        return m
    return kappa * m / (kappa + c - 1)
