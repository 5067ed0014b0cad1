"""Field types shared by the scenario's models: bounded numbers, dates, times of day.

Every number of the schema is strict (a boolean is not 1, a quoted "150" is not 150; a float
field still takes an integer) and bounded above with its reason (:class:`AtMost`, the bounds of
:mod:`slasim.limits`). Models derive from :class:`StrictModel`: unknown keys are errors.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, core_schema

from slasim.limits import (
    FIRST_DATE,
    LAST_DATE,
    MAX_MINUTES,
    MAX_MONEY,
    MAX_MONTHLY_VOLUME,
    MAX_RATIO,
    MAX_SALES_CYCLE_DAYS,
    MAX_SELLERS_PER_SHIFT,
    MAX_WEIGHT,
    date_range_text,
)
from slasim.model.calendar import parse_hhmm

__all__ = [
    "DAYS_BOUND",
    "HHMM",
    "MINUTES_BOUND",
    "MONEY_BOUND",
    "RATIO_BOUND",
    "SELLERS_BOUND",
    "SPREAD_BOUND",
    "VOLUME_BOUND",
    "WEIGHT_BOUND",
    "AtMost",
    "Minutes",
    "Money",
    "Probability",
    "SaneDate",
    "StrictModel",
    "Volume",
    "Weekday",
    "Weight",
    "check_hhmm",
]


@dataclass(frozen=True)
class AtMost:
    """Upper bound of a number, with the reason the error message gives.

    Used as ``Annotated[float, AtMost(limit, why)]``: the value must be ``<= limit`` (the JSON
    schema shows it as ``maximum``). Every number of the schema has one (see
    :mod:`slasim.limits`): a value beyond it is a mistake that would overflow the model later.
    """

    limit: float
    why: str

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        return core_schema.no_info_after_validator_function(self._check, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        out = handler(schema)
        out["maximum"] = self.limit
        return out

    def _check(self, value: float) -> float:
        if value > self.limit:
            raise ValueError(f"got {value!r}; expected at most {self.limit:,.0f} {self.why}")
        return value


# Every number is strict (a boolean is not 1, a quoted "150" is not 150; a float field still
# takes an integer) and bounded above with its reason.
VOLUME_BOUND = AtMost(
    MAX_MONTHLY_VOLUME, "leads per month (ten times the inbound volume of the largest sales teams)"
)
MINUTES_BOUND = AtMost(MAX_MINUTES, "minutes (one year)")
MONEY_BOUND = AtMost(MAX_MONEY, "(10^12: sums over leads and months must stay finite)")
WEIGHT_BOUND = AtMost(MAX_WEIGHT, "(relative weights: only their ratios matter)")
RATIO_BOUND = AtMost(MAX_RATIO, "(a multiplier beyond 100 is a unit slip, not a plan)")
SPREAD_BOUND = AtMost(MAX_WEIGHT, "(a concentration beyond 10^6 is no spread at all)")
SELLERS_BOUND = AtMost(MAX_SELLERS_PER_SHIFT, "sellers on one shift")
DAYS_BOUND = AtMost(MAX_SALES_CYCLE_DAYS, "days (ten years)")

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
Probability = Annotated[float, Field(ge=0.0, le=1.0, strict=True)]
Minutes = Annotated[float, Field(gt=0, strict=True), MINUTES_BOUND]
Money = Annotated[float, Field(ge=0, strict=True), MONEY_BOUND]
Volume = Annotated[float, Field(ge=0, strict=True), VOLUME_BOUND]
Weight = Annotated[float, Field(ge=0, strict=True), WEIGHT_BOUND]


def _check_date(value: date) -> date:
    if not FIRST_DATE <= value <= LAST_DATE:
        raise ValueError(
            f"got {value.isoformat()}; expected {date_range_text()} (pandas timestamps span "
            "1677 to 2262)"
        )
    return value


#: A calendar date the simulation can hold (see :data:`slasim.limits.FIRST_DATE`).
SaneDate = Annotated[date, AfterValidator(_check_date)]


class StrictModel(BaseModel):
    # extra="forbid": a misspelt key is an error, not a silently ignored setting.
    # allow_inf_nan=False: TOML and --set accept inf and nan, which no quantity here can be.
    model_config = ConfigDict(
        extra="forbid", frozen=True, validate_default=True, allow_inf_nan=False
    )


def check_hhmm(value: str) -> str:
    parse_hhmm(value)  # raises ValueError naming the value
    return value


HHMM = Annotated[str, Field(description='local time of day, "HH:MM" (24:00 allowed as an end)')]
