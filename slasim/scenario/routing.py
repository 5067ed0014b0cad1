"""Which waiting lead a free seller takes next (:class:`Routing`), lead ownership, and how
long a lead waits before it gives up (:class:`Patience`)."""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import Field, model_validator

from slasim.model.routing import RouterName
from slasim.scenario.fields import AtMost, Minutes, Probability, StrictModel, Weight

__all__ = ["PATIENCE_FIELDS", "OwnerRule", "Patience", "PatienceDist", "Routing", "RoutingPolicy"]

# Any policy of the registry (slasim.model.routing), checked when validated.
RoutingPolicy = RouterName
OwnerRule = Literal["first_attempt", "round_robin", "weighted"]  # = slasim.engine.ownership.RULES

PatienceDist = Literal["exponential", "lognormal", "weibull", "empirical"]
#: Fields of :class:`Patience` each distribution needs; the others must be absent.
PATIENCE_FIELDS: dict[str, tuple[str, ...]] = {
    "exponential": ("mean_minutes",),
    "lognormal": ("mean_minutes", "cv"),
    "weibull": ("mean_minutes", "cv"),
    "empirical": ("minutes", "abandoned_share"),
}


class Patience(StrictModel):
    """How long a lead waits for its first attempt before it leaves the queue, in minutes.

    ``slasim.engine.patience`` turns it into the law the engine draws from; see the explanation page
    "Leads that give up waiting".
    """

    dist: PatienceDist = Field(
        description=(
            "exponential (mean_minutes), lognormal or weibull (mean_minutes and cv), or "
            "empirical (minutes and abandoned_share)"
        )
    )
    mean_minutes: Minutes | None = Field(
        None, description="mean patience in minutes (exponential, lognormal, weibull)"
    )
    cv: float | None = Field(
        None,
        ge=0.01,
        le=20,
        strict=True,
        description=(
            "coefficient of variation of the patience, 0.01 to 20 (lognormal, weibull; the "
            "exponential's is 1)"
        ),
    )
    minutes: list[Minutes] | None = Field(
        None, description="empirical: ages in minutes, increasing"
    )
    abandoned_share: list[Probability] | None = Field(
        None,
        description=(
            "empirical: share of leads whose patience is at most each age of minutes, "
            "nondecreasing in [0, 1], linear in between (from 0 at age 0); the rest never "
            "abandon"
        ),
    )

    @model_validator(mode="after")
    def _fields_of_dist(self) -> Self:
        needs = PATIENCE_FIELDS[self.dist]
        for name in ("mean_minutes", "cv", "minutes", "abandoned_share"):
            value = getattr(self, name)
            if name in needs and value is None:
                raise ValueError(
                    f"dist={self.dist!r} needs {name}; expected {' and '.join(needs)}"
                )
            if name not in needs and value is not None and not (name == "cv" and value == 1):
                raise ValueError(
                    f"{name}(={value!r}) is not used by dist={self.dist!r}; expected only "
                    f"{' and '.join(needs)}"
                )
        if self.dist == "empirical":
            ages, shares = self.minutes or [], self.abandoned_share or []
            if not ages or len(ages) != len(shares):
                raise ValueError(
                    f"minutes has {len(ages)} ages and abandoned_share {len(shares)} shares; "
                    "expected the same number, at least one"
                )
            for k in range(1, len(ages)):
                if ages[k] <= ages[k - 1]:
                    raise ValueError(
                        f"minutes[{k}](={ages[k]!r}) is not after minutes[{k - 1}]"
                        f"(={ages[k - 1]!r}); expected increasing ages"
                    )
                if shares[k] < shares[k - 1]:
                    raise ValueError(
                        f"abandoned_share[{k}](={shares[k]!r}) is below abandoned_share"
                        f"[{k - 1}](={shares[k - 1]!r}); expected shares that never decrease "
                        "(a share of leads with patience at most each age)"
                    )
        return self


class Routing(StrictModel):
    """Which waiting lead a free seller takes next."""

    policy: RoutingPolicy = "fifo"
    age_cutoff_minutes: Minutes | None = Field(
        None, description="leads still waiting for a first attempt at this age go to nurture"
    )
    patience_minutes: Minutes | None = Field(
        None,
        description=(
            "mean of an exponential patience: a lead still waiting for its first attempt after "
            "its patience leaves the queue as nurtured (it bought elsewhere, the Erlang A "
            "abandonment); none = infinite patience. Shorthand for [routing.patience] with "
            'dist = "exponential"; give one or the other'
        ),
    )
    patience: Patience | None = Field(
        None,
        description=(
            "patience of a lead waiting for its first attempt (exponential, lognormal, weibull "
            "or an empirical table); none = infinite patience"
        ),
    )
    tier_order: list[str] | None = Field(
        None, description="priority order for tier_priority (default: order of [tiers])"
    )
    owner: OwnerRule = Field(
        "first_attempt",
        description=(
            "who owns a lead: first_attempt = the seller who makes its first attempt; "
            "round_robin = at creation, the next seat in rotation that is on shift (skipping "
            "seats off shift, on a break or vacant); weighted = at creation, a seat on shift "
            "drawn with routing.owner_weights. An assigned lead waits in its owner's queue "
            "for its first attempt (see how-to 'Lead ownership')"
        ),
    )
    owner_weights: dict[str, Weight] | None = Field(
        None,
        description=(
            "for owner = weighted: relative weight of each seat of a shift, by shift name "
            "(a shift not listed weighs 1; 0 = its seats get no new leads)"
        ),
    )
    keep_owner: bool = Field(
        False,
        description=(
            "true: every later attempt (retry) of a lead waits for its owner; false: a retry "
            "goes to whichever seller is free"
        ),
    )
    short_abandon_seconds: Annotated[
        float, AtMost(3600, "seconds (an hour is not a short abandonment)")
    ] = Field(
        10.0,
        gt=0,
        strict=True,
        description=(
            "a lead that gives up within this many seconds of its creation is a short "
            "abandonment (metric abandoned_short_share: too quick for any staffing to "
            "catch); it changes no simulated lead"
        ),
    )

    @model_validator(mode="after")
    def _one_patience(self) -> Self:
        if self.patience_minutes is not None and self.patience is not None:
            raise ValueError(
                f"patience_minutes(={self.patience_minutes!r}) and [routing.patience] are both "
                "given; expected one: patience_minutes is the shorthand for an exponential "
                "[routing.patience]"
            )
        return self

    @model_validator(mode="after")
    def _owner_weights(self) -> Self:
        if self.owner_weights is not None and self.owner != "weighted":
            raise ValueError(
                f"owner_weights(={self.owner_weights!r}) is only read with owner = "
                f"\"weighted\"; got owner = {self.owner!r}"
            )
        return self

    def patience_spec(self) -> Patience | None:
        """The patience as one :class:`Patience` (the shorthand made explicit), None if none."""
        if self.patience_minutes is not None:
            # Already validated as the Minutes it is: not checked twice.
            return Patience.model_construct(dist="exponential", mean_minutes=self.patience_minutes)
        return self.patience
