"""The agreement tested (:class:`SlaTerms`, one :class:`TierTerms` per tier) and the money
(:class:`Costs`)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from slasim.scenario.fields import VOLUME_BOUND, Minutes, Money, Probability, StrictModel, Volume

__all__ = ["Clock", "ConfidenceLevel", "Costs", "LeadCostCurve", "SlaTerms", "TierTerms"]

Clock = Literal["business", "wall"]
ConfidenceLevel = Literal["side", "joint", "term"]  # = slasim.measure.verdict.LEVELS


class TierTerms(StrictModel):
    """The SLA terms for one tier: marketing's quota and sales' response and attempt promises."""

    quota: Annotated[int, VOLUME_BOUND] = Field(
        ge=0, strict=True, description="leads marketing delivers per month"
    )
    response_target_minutes: Minutes
    response_share: Probability = Field(0.9, description="share of leads that must meet the target")
    response_clock: Clock = "business"
    min_attempts: int = Field(
        1, ge=1, le=50, strict=True, description="attempts each uncontacted lead gets"
    )
    attempt_share: Probability = Field(
        0.9, description="share of uncontacted leads that must get them"
    )
    qualify_rate_target: Probability | None = Field(
        None, description="share of leads that must become SQLs (conversion promise)"
    )


class SlaTerms(StrictModel):
    """The agreement being tested."""

    confidence: Probability = Field(
        0.8,
        description="the agreement is realistic when kept in at least this share of simulated "
        "months (what must be kept: confidence_level)",
    )
    confidence_level: ConfidenceLevel = Field(
        "side",
        description="what must reach the confidence: 'side' (each side keeps all its terms "
        "together), 'joint' (both sides in the same month) or 'term' (each term on its own)",
    )
    tiers: dict[str, TierTerms] = Field(default_factory=dict)


class LeadCostCurve(StrictModel):
    """Buying more leads of a tier costs more per lead beyond a reference volume.

    Leads up to ``reference_volume`` per month cost ``costs.cost_per_lead``; each lead beyond
    it costs ``extra_cost_per_lead`` more (the next campaigns reach pricier audiences). A
    convex, piecewise-linear curve: simple to state in an SLA and to fit from two quotes.
    """

    reference_volume: Volume = Field(gt=0, description="leads per month at the base price")
    extra_cost_per_lead: Money = Field(description="surcharge per lead beyond it")


class Costs(StrictModel):
    """Money: currency, lead cost and margin."""

    currency: str = Field("SEK", min_length=3, max_length=3)
    cost_per_lead: dict[str, Money] = Field(default_factory=dict)
    lead_cost_curve: dict[str, LeadCostCurve] = Field(
        default_factory=dict, description="per tier: leads beyond a reference volume cost more"
    )
    gross_margin: Probability = Field(1.0, description="share of revenue that is margin")
