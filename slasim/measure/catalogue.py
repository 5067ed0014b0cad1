"""The metric catalogue: every metric's kind, unit, decimals, bounds and label, in one place.

The terminal tables, the report, compare, the optimizer and the tracking dashboard format and
label metrics through :func:`metric` (a test checks no other module keeps its own list of
kinds). The per-month computations live in :mod:`slasim.measure.metrics`; :data:`METRICS` is their
display order.

The module imports nothing heavy: ``slasim check`` uses it without the engine.
"""

from __future__ import annotations

from dataclasses import dataclass

from slasim.measure.terms import SIDES, TERMS

__all__ = [
    "CATALOGUE", "KINDS", "METRICS", "QUEUE_METRICS", "STATES", "TRACKED", "Metric", "metric",
    "text_spec",
]

#: End-of-period lead states (the engine's order); ``leads_<state>`` add up to leads created.
STATES: tuple[str, ...] = ("won", "lost", "nurtured", "in_pipeline", "waiting")

#: The metrics ``slasim track`` compares per tier with the simulated months, in display order
#: (``slasim.crm.track.tracker.MEASURES``; the dashboard names them from here too).
TRACKED: tuple[str, ...] = (
    "leads_created",
    "first_attempt_within_target",
    "response_minutes_p90",
    "response_business_minutes_p90",
    "attempts_per_lead",
    "contact_rate",
    "qualify_rate",
    "win_rate",
    "won_deals",
    "revenue",
)

#: Metric kinds: ``count`` (leads, deals), ``share`` (a rate in [0, 1]), ``flag`` (an SLA
#: term met or not in a month: its mean is P(met)), ``money`` (in the scenario's currency),
#: ``minutes`` and ``number`` (a plain quantity such as attempts per lead).
KINDS: tuple[str, ...] = ("count", "share", "flag", "money", "minutes", "number")


@dataclass(frozen=True)
class Metric:
    """One metric.

    Attributes
    ----------
    name
        snake_case, with its unit in the name where it has one.
    kind
        One of :data:`KINDS`.
    decimals
        Decimals shown (of the percentage for shares and flags).
    label
        Label per language.
    unit
        ``"wall"`` or ``"business"`` for minutes (which clock), else ``""``.
    """

    name: str
    kind: str
    decimals: int
    label: dict[str, str]
    unit: str = ""

    @property
    def bounded(self) -> bool:
        """True for shares and flags: values and their CIs lie in [0, 1]."""
        return self.kind in ("share", "flag")


def _m(name: str, kind: str, decimals: int, en: str, sv: str, unit: str = "") -> Metric:
    return Metric(name, kind, decimals, {"en": en, "sv": sv}, unit)


_STATE_LABELS = {
    "won": ("leads won", "vunna leads"),
    "lost": ("leads lost", "förlorade leads"),
    "nurtured": ("leads sent to nurture", "leads tillbaka till marknad"),
    "in_pipeline": ("leads in the pipeline", "leads i pipeline"),
    "waiting": ("leads still waiting", "leads som fortfarande väntar"),
}
_SIDE_LABELS = {
    "marketing_met": ("marketing meets its terms", "marknad uppfyller sina villkor"),
    "sales_met": ("sales meets its terms", "sälj uppfyller sina villkor"),
    "joint_met": ("both sides meet their terms", "båda parter uppfyller sina villkor"),
}
_TERM_LABELS = {
    "marketing_met": ("quota met", "kvoten uppfylld"),
    "response_met": ("response target met", "svarstidsmålet uppfyllt"),
    "attempts_met": ("attempt cadence met", "kontaktrytmen uppfylld"),
    "conversion_met": ("conversion target met", "konverteringsmålet uppfyllt"),
}

_ENTRIES: tuple[Metric, ...] = (
    _m("leads_created", "count", 0, "leads created", "skapade leads"),
    _m("response_minutes_mean", "minutes", 1, "response time, mean (minutes around the clock)",
       "svarstid, medel (minuter dygnet runt)", "wall"),
    _m("response_minutes_p50", "minutes", 1, "response time, median (minutes around the clock)",
       "svarstid, median (minuter dygnet runt)", "wall"),
    _m("response_minutes_p90", "minutes", 1,
       "response time, 90th percentile (minutes around the clock)",
       "svarstid, 90:e percentilen (minuter dygnet runt)", "wall"),
    _m("response_business_minutes_mean", "minutes", 1, "response time, mean (business minutes)",
       "svarstid, medel (minuter inom kontorstid)", "business"),
    _m("response_business_minutes_p50", "minutes", 1, "response time, median (business minutes)",
       "svarstid, median (minuter inom kontorstid)", "business"),
    _m("response_business_minutes_p90", "minutes", 1,
       "response time, 90th percentile (business minutes)",
       "svarstid, 90:e percentilen (minuter inom kontorstid)", "business"),
    _m("first_attempt_within_target", "share", 1, "first attempt within target",
       "första försök inom målet"),
    _m("leads_never_attempted", "count", 1, "leads never attempted", "leads utan försök"),
    _m("attempts_per_lead", "number", 2, "attempts per lead", "försök per lead"),
    _m("contact_rate", "share", 1, "contact rate", "kontaktgrad"),
    _m("qualify_rate", "share", 1, "qualified (SQL) rate", "andel kvalificerade (SQL)"),
    _m("opportunity_rate", "share", 1, "opportunity rate", "andel affärsmöjligheter"),
    _m("win_rate", "share", 2, "win rate (per lead)", "andel vunna (per lead)"),
    _m("won_deals", "count", 1, "won deals", "vunna affärer"),
    _m("revenue", "money", 0, "revenue", "intäkter"),
    _m("pipeline_value", "money", 0, "expected value of open opportunities",
       "förväntat värde av öppna affärsmöjligheter"),
    *(_m(f"leads_{s}", "count", 1, *_STATE_LABELS[s]) for s in STATES),
    _m("leads_abandoned", "count", 1, "leads that gave up waiting", "leads som gav upp"),
    # The queue as a call centre reads it (definitions: slasim.measure.queue_metrics); all per lead
    # created, the waits to the first attempt on the wall clock. Not SLA terms.
    _m("wait_positive_share", "share", 1, "leads that waited, P(wait > 0)",
       "leads som fick vänta, P(väntan > 0)"),
    _m("wait_served_minutes_mean", "minutes", 2,
       "wait of attempted leads, mean (minutes around the clock)",
       "väntan för leads som fick ett försök, medel (minuter dygnet runt)", "wall"),
    _m("wait_served_minutes_p90", "minutes", 2,
       "wait of attempted leads, 90th percentile (minutes around the clock)",
       "väntan för leads som fick ett försök, 90:e percentilen (minuter dygnet runt)", "wall"),
    _m("wait_abandoned_minutes_mean", "minutes", 2,
       "wait before giving up, mean (minutes around the clock)",
       "väntan innan leads gav upp, medel (minuter dygnet runt)", "wall"),
    _m("abandonment_rate", "share", 2, "abandonment rate (gave up waiting, per lead)",
       "andel som gav upp i kön (per lead)"),
    _m("abandoned_short_share", "share", 2,
       "gave up within the short-abandon seconds (per lead)",
       "gav upp inom kort tid (per lead)"),
    _m("answered_within_target_wall", "share", 1,
       "service level: first attempt within the response target (minutes around the clock)",
       "servicenivå: första försök inom svarstidsmålet (minuter dygnet runt)"),
    _m("answered_within_target_business", "share", 1,
       "service level: first attempt within the response target (business minutes)",
       "servicenivå: första försök inom svarstidsmålet (minuter inom kontorstid)"),
    _m("seller_utilization", "share", 1, "seller utilization", "säljarnas beläggning"),
    _m("seller_overtime_minutes", "minutes", 0, "seller overtime (minutes)",
       "säljarnas övertid (minuter)", "wall"),
    _m("cost_sellers", "money", 0, "cost of sellers", "kostnad för säljare"),
    _m("cost_leads", "money", 0, "cost of leads", "kostnad för leads"),
    _m("cost", "money", 0, "cost (sellers and leads)", "kostnad (säljare och leads)"),
    _m("profit", "money", 0, "profit (margin minus cost)", "resultat (marginal minus kostnad)"),
    *(_m(t.flag, "flag", 0, *_TERM_LABELS[t.flag]) for t in TERMS),
    *(_m(s.flag, "flag", 0, *_SIDE_LABELS[s.flag]) for s in SIDES),
)

#: Every metric by name.
CATALOGUE: dict[str, Metric] = {m.name: m for m in _ENTRIES}
#: Metric names in display order.
METRICS: tuple[str, ...] = tuple(CATALOGUE)
#: The queue metrics (:mod:`slasim.measure.queue_metrics`), in display order: ``slasim run``'s and
# the
#: report's queue block.
QUEUE_METRICS: tuple[str, ...] = (
    "wait_positive_share",
    "wait_served_minutes_mean",
    "wait_served_minutes_p90",
    "wait_abandoned_minutes_mean",
    "abandonment_rate",
    "abandoned_short_share",
    "answered_within_target_wall",
    "answered_within_target_business",
)


def metric(name: str) -> Metric:
    """The catalogue entry of ``name``."""
    try:
        return CATALOGUE[name]
    except KeyError:
        raise KeyError(f"metric(={name!r}) is not in the catalogue") from None


def text_spec(name: str) -> str:
    """A ``str.format`` spec for the terminal: ``{:.1%}`` for shares, ``{:,.0f}`` for money."""
    m = metric(name)
    if m.bounded:
        return f"{{:.{m.decimals}%}}"
    if m.kind == "number":
        return f"{{:.{m.decimals}f}}"
    return f"{{:,.{m.decimals}f}}"
