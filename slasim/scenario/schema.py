"""Scenario schema: everything one simulated SLA period needs, validated with pydantic v2.

A scenario is written in TOML (see ``scenarios/baseline.toml``) and loaded with
:func:`slasim.scenario.load.load_scenario`, which resolves ``extends`` overlays and ``--set``
overrides before validating against :class:`Scenario`. Unknown keys are errors so that a
typo never passes silently. Times of day are ``"HH:MM"`` strings in the scenario's time zone;
durations carry their unit in the field name.

The models live in one module per concept (:mod:`~slasim.scenario.horizon`,
:mod:`~slasim.scenario.tiers`, :mod:`~slasim.scenario.team`, :mod:`~slasim.scenario.routing`,
:mod:`~slasim.scenario.terms`, :mod:`~slasim.scenario.optimize_table`, the shared field types in
:mod:`~slasim.scenario.fields`); this module holds :class:`Scenario` and re-exports them, the
path users import from.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, Self

from pydantic import Field, PrivateAttr, field_validator, model_validator

from slasim.model.calendar import BusinessCalendar
from slasim.model.holidays import public_holidays
from slasim.model.people import check_people
from slasim.outputs import looks_like_formula
from slasim.scenario.fields import AtMost, StrictModel
from slasim.scenario.horizon import DAYS_PER_MONTH, BusinessHours, Horizon
from slasim.scenario.optimize_table import Optimize, OptimizeTier
from slasim.scenario.overrides import SET_SOURCE
from slasim.scenario.provenance import Provenance
from slasim.scenario.routing import PATIENCE_FIELDS, Patience, Routing
from slasim.scenario.team import Breaks, Cadence, Distribution, Shift, Team
from slasim.scenario.terms import Costs, LeadCostCurve, SlaTerms, TierTerms
from slasim.scenario.tiers import ArrivalProfile, Decay, DecayCurveSpec, Tier

__all__ = [
    "DAYS_PER_MONTH",
    "PATIENCE_FIELDS",
    "TIER_REFERENCES",
    "ArrivalProfile",
    "AtMost",
    "Breaks",
    "BusinessHours",
    "Cadence",
    "Costs",
    "Decay",
    "DecayCurveSpec",
    "Distribution",
    "Horizon",
    "LeadCostCurve",
    "Optimize",
    "OptimizeTier",
    "Patience",
    "Routing",
    "Scenario",
    "Shift",
    "SlaTerms",
    "Team",
    "Tier",
    "TierTerms",
    "Trace",
]

#: Fields whose keys (or items) name tiers: each must be a key of ``[tiers]``. The loader
#: checks them first too, so that an unknown tier is reported as such, not as missing terms.
TIER_REFERENCES = (
    "sla.tiers",
    "costs.cost_per_lead",
    "costs.lead_cost_curve",
    "optimize.tiers",
    "routing.tier_order",
)


class Trace(StrictModel):
    """Replay historical lead creation times instead of generating arrivals."""

    path: str = Field(description="CSV file, relative to the scenario file that names it")
    created_column: str = "created_at"
    tier_column: str = "tier"


class Scenario(StrictModel):
    """A complete slasim scenario."""

    name: str = Field(min_length=1)
    description: str = ""
    extends: str | None = Field(None, description="parent scenario file this one overrides")
    horizon: Horizon
    calendar: BusinessHours = Field(default_factory=BusinessHours)
    tiers: dict[str, Tier] = Field(min_length=1)
    decay: Decay = Field(default_factory=Decay)
    team: Team
    cadence: Cadence = Field(default_factory=Cadence)
    routing: Routing = Field(default_factory=Routing)
    sla: SlaTerms = Field(default_factory=SlaTerms)
    costs: Costs = Field(default_factory=Costs)
    trace: Trace | None = Field(None, description="replay arrivals from a CSV instead")
    optimize: Optimize | None = Field(None, description="free variables for slasim optimize")

    # Where the values came from (see the provenance property): no field, so that it is no
    # part of the schema, of a dump or of equality; copies and pickles keep it.
    _provenance: Provenance = PrivateAttr(default_factory=Provenance)

    @property
    def provenance(self) -> Provenance:
        """Where each value came from and the files read: empty for a scenario built in code
        (set by :func:`slasim.scenario.load.load_scenario`)."""
        return self._provenance

    def source_of(self, field: str) -> str:
        """The file (or ``--set``) that set ``field``, to name in an error message;
        ``<scenario NAME>`` for a scenario built in code. ``tiers.*.x`` is every tier's ``x``:
        ``--set`` if it set one of them, else the file that set the first."""
        default = f"<scenario {self.name}>"
        if ".*." not in field:
            return self._provenance.origin_of(field, default)
        head, tail = field.split(".*.", 1)
        table = getattr(self, head)
        found = [self._provenance.origin_of(f"{head}.{key}.{tail}", default) for key in table]
        return SET_SOURCE if SET_SOURCE in found else (found[0] if found else default)

    def with_provenance(self, provenance: Provenance) -> Self:
        """A copy of the scenario (the same values) carrying ``provenance``."""
        copied = super().model_copy()
        copied._provenance = provenance
        return copied

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """A copy (see :meth:`pydantic.BaseModel.model_copy`) with the provenance: the
        top-level values replaced by ``update`` have no source any more."""
        copied = super().model_copy(update=update, deep=deep)
        if update:
            copied._provenance = self._provenance.without(update)
        return copied

    def __eq__(self, other: object) -> bool:
        # The values decide: the same scenario loaded from another file, or built in code, is
        # equal (pydantic's own __eq__ would compare the provenance too).
        if not isinstance(other, Scenario):
            return NotImplemented
        return type(self) is type(other) and self.__dict__ == other.__dict__

    @field_validator("tiers", mode="before")
    @classmethod
    def _tier_names(cls, value: Any) -> Any:
        # Before the tiers themselves: a bad name is the one mistake, not the fields under it.
        for name in value if isinstance(value, dict) else ():
            if not isinstance(name, str) or not name.strip() or name != name.strip():
                raise ValueError(
                    f"tier name {name!r} is empty or has spaces around it; expected a name "
                    "such as 'hot'"
                )
            if looks_like_formula(name):  # CRM exports and CSVs would not keep it as written
                raise ValueError(
                    f"tier name {name!r} starts like a spreadsheet formula (=, +, -, @), which a "
                    "spreadsheet would compute and slasim's CSVs write as text with a leading "
                    "quote, so a CRM export of it would not match; expected a name starting "
                    "with a letter or digit"
                )
            if name == "all":  # the metrics' column of totals over every tier
                raise ValueError(
                    "tier name 'all' is reserved for the totals over every tier; expected "
                    "another name"
                )
        return value

    @model_validator(mode="after")
    def _cross_refs(self) -> Self:
        check_people(self)  # hires and shift dates against the horizon and the shift names
        known = list(self.tiers)
        for where in TIER_REFERENCES:
            node: Any = self
            for part in where.split("."):
                node = getattr(node, part, None)  # None for an absent [optimize] or tier_order
            for name in node or []:
                if name not in self.tiers:
                    raise ValueError(
                        f"{where} names tier {name!r}, which is not in [tiers] {known}"
                    )
        weights = self.routing.owner_weights or {}
        shifts = self.shift_names()
        if self.team.roster is None and any(name not in shifts for name in weights):
            unknown = [name for name in weights if name not in shifts]
            raise ValueError(
                f"routing.owner_weights(={weights!r}) names shift(s) {unknown}; expected "
                f"shift names of team.shifts {shifts}"
            )
        if self.routing.tier_order is not None and sorted(self.routing.tier_order) != sorted(known):
            raise ValueError(
                f"routing.tier_order(={self.routing.tier_order}) must list every tier once: {known}"
            )
        return self

    # -- derived views -------------------------------------------------------------------
    def holidays(self, *, warmup: bool = False) -> list[date]:
        """Closed dates in the horizon (with ``warmup``: from the warm-up's first day): the
        country's public holidays plus extra dates."""
        h = self.horizon
        start, days = (h.run_start, h.days + h.warmup_days) if warmup else (h.start, h.days)
        out: set[date] = set(self.calendar.holidays)
        if self.calendar.holiday_country:
            out.update(public_holidays(self.calendar.holiday_country, start, days))
        return sorted(out)

    def business_calendar(self, *, warmup: bool = False) -> BusinessCalendar:
        """The business calendar of the horizon.

        With ``warmup``, the calendar of the whole simulated run: the ``horizon.warmup_days``
        before ``horizon.start`` and then the horizon; its minute 0 is the warm-up's first local
        midnight (the horizon's own calendar when there is no warm-up).
        """
        h = self.horizon
        return BusinessCalendar(
            h.run_start if warmup else h.start,
            h.days + h.warmup_days if warmup else h.days,
            h.timezone,
            self.calendar.open_minutes(),
            self.holidays(warmup=warmup),
        )

    def shift_names(self) -> list[str]:
        """Each shift's key, as users type it (``optimize.sellers.<key>``): its ``name``, or
        ``shift<index>`` for an unnamed one. Every command names shifts this way."""
        return [s.name or f"shift{j}" for j, s in enumerate(self.team.shifts)]

    def tier_order(self) -> list[str]:
        """Tiers in priority order (``routing.tier_order`` or the order of ``[tiers]``)."""
        return list(self.routing.tier_order or self.tiers)
