"""Time per evaluation of the analytic layer, side by side with peers.

Run: ``.venv/bin/python benchmarks/analytic.py``. Prints one table: microseconds per call
(best of several repeats) for erlang_c, service_level, erlang_a and required_sellers at
n in {10, 100, 1000, 5000} sellers (offered load 0.85 n), next to

- pyworkforce's ``ErlangC`` (if it is installed: ``.venv/bin/pip install pyworkforce``),
- a naive textbook Erlang C with ``math.factorial`` (always; it overflows past n ~ 170),
- for Erlang A, slasim's own exact chain (pyworkforce's released ErlangC has no Erlang A).

Ratios are ``peer time / slasim time`` measured in the same run. Not part of the tests.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

from slasim.analytic import erlang_a, erlang_c, required_sellers, service_level

try:  # optional peer
    from pyworkforce.queuing import ErlangC as PwfErlangC
except ImportError:  # pragma: no cover - depends on the environment
    PwfErlangC = None

SIZES = (10, 100, 1000, 5000)
LOAD_FACTOR = 0.85  # offered load a = 0.85 n
MU = 0.25  # per minute: 4-minute first attempt
TARGET_WAIT = 20 / 60  # minutes
TARGET_SHARE = 0.8
THETA = 0.2  # per minute: 5-minute mean patience
INTERVAL = 30.0  # minutes, pyworkforce's counting interval


def best_time_us(fn: Callable[[], Any], budget_s: float = 0.05, repeats: int = 5) -> float:
    """Best-of-``repeats`` mean time per call in microseconds, each repeat ~``budget_s``."""
    fn()  # warm caches / imports
    start = time.perf_counter()
    fn()
    once = max(time.perf_counter() - start, 1e-7)
    number = max(1, int(budget_s / once))
    best = math.inf
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - start) / number)
    return best * 1e6


def naive_erlang_c(n: int, a: float) -> float:
    """Textbook Erlang C with factorials; raises OverflowError for large n."""
    top = a**n / math.factorial(n) * n / (n - a)
    return top / (sum(a**k / math.factorial(k) for k in range(n)) + top)


def fmt(us: float | None) -> str:
    if us is None:
        return "-"
    return f"{us:,.1f}"


def ratio(peer: float | None, ours: float) -> str:
    return "-" if peer is None else f"{peer / ours:,.1f}x"


def main() -> None:
    rows: list[tuple[str, int, float, str, float | None, str]] = []
    notes: list[str] = []
    for n in SIZES:
        a = LOAD_FACTOR * n
        lam = a * MU

        # erlang_c
        ours = best_time_us(lambda n=n, a=a: erlang_c(n, a))
        if PwfErlangC is not None:
            pwf = PwfErlangC(
                transactions=lam * INTERVAL, aht=1 / MU, asa=TARGET_WAIT, interval=INTERVAL
            )
            peer_c = best_time_us(lambda pwf=pwf, n=n: pwf.waiting_probability(n))
            rows.append(("erlang_c", n, ours, "pyworkforce", peer_c, ratio(peer_c, ours)))
            diff = abs(pwf.waiting_probability(n) - erlang_c(n, a))
            notes.append(f"n={n}: |pyworkforce - slasim| P(W>0) = {diff:.1e}")
        try:
            naive_erlang_c(n, a)
            peer_naive: float | None = best_time_us(lambda n=n, a=a: naive_erlang_c(n, a))
            label = "naive factorial"
        except OverflowError:
            peer_naive, label = None, "naive factorial: overflow"
        rows.append(("erlang_c", n, ours, label, peer_naive, ratio(peer_naive, ours)))

        # service_level
        ours = best_time_us(lambda n=n, a=a: service_level(n, a, MU, TARGET_WAIT))
        if PwfErlangC is not None:
            peer_sl = best_time_us(lambda pwf=pwf, n=n: pwf.service_level(n))
            rows.append(("service_level", n, ours, "pyworkforce", peer_sl, ratio(peer_sl, ours)))
        else:
            rows.append(("service_level", n, ours, "(pyworkforce absent)", None, "-"))

        # erlang_a: closed form against the exact chain
        ours = best_time_us(lambda n=n, lam=lam: erlang_a(n, lam, MU, THETA))
        peer_chain = best_time_us(lambda n=n, lam=lam: erlang_a(n, lam, MU, THETA, method="chain"))
        rows.append(("erlang_a", n, ours, "slasim chain", peer_chain, ratio(peer_chain, ours)))

        # required_sellers (service-level target only, as pyworkforce's required_positions)
        def ours_req(lam: float = lam) -> int:
            return required_sellers(
                lam, MU, target_wait=TARGET_WAIT, target_share=TARGET_SHARE
            ).sellers

        ours = best_time_us(ours_req, budget_s=0.2, repeats=3)
        if PwfErlangC is not None:

            def peer_req(pwf: Any = pwf) -> int:
                return int(pwf.required_positions(service_level=TARGET_SHARE)["raw_positions"])

            peer_r = best_time_us(peer_req, budget_s=0.2, repeats=3)
            rows.append(("required_sellers", n, ours, "pyworkforce", peer_r, ratio(peer_r, ours)))
            notes.append(f"a={a:g}: required sellers slasim {ours_req()}, pyworkforce {peer_req()}")
        else:
            rows.append(("required_sellers", n, ours, "(pyworkforce absent)", None, "-"))

    header = ("function", "n", "slasim us", "peer", "peer us", "peer/slasim")
    widths = (17, 5, 10, 26, 10, 11)
    print(" | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print("-+-".join("-" * w for w in widths))
    for name, n, ours_us, peer, peer_us, r in rows:
        cells = (name, str(n), fmt(ours_us), peer, fmt(peer_us), r)
        print(" | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)))
    print()
    if PwfErlangC is None:
        print("pyworkforce is not installed: compared with the naive factorial Erlang C only.")
    for note in notes:
        print(note)


if __name__ == "__main__":
    main()
