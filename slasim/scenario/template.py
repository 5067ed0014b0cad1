"""The scenario ``slasim init`` writes: the structure of ``scenarios/baseline.toml``, scaled.

A few values decide it (sellers, leads per month, office hours, time zone, holiday country,
currency); everything else is a commented assumption taken from the reference scenario, scaled
to the team and the currency, with an ``[optimize]`` table ready so that ``slasim optimize``
runs on the new file as it is.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
import tomllib
from dataclasses import dataclass, fields, replace
from typing import TextIO

from slasim.errors import InputError

__all__ = ["InitOptions", "add_arguments", "ask", "given", "options", "render", "validate"]

#: Seller cost per month (salary, employer fees, tools, overhead) and the scale of money
#: amounts (deal sizes, lead prices) relative to the Swedish reference scenario, per currency.
#: Assumptions for a Nordic/European mid-market SaaS team; the file says so.
CURRENCIES: dict[str, tuple[float, float]] = {
    "SEK": (75_000, 1.0),
    "NOK": (75_000, 1.0),
    "DKK": (50_000, 0.7),
    "EUR": (7_000, 0.09),
    "USD": (8_000, 0.1),
    "GBP": (6_000, 0.08),
    "CHF": (9_000, 0.09),
}

#: The tier split of the reference scenario: 10 % hot, 30 % warm, 60 % cold.
SPLIT = {"hot": 0.10, "warm": 0.30, "cold": 0.60}


@dataclass
class InitOptions:
    """The values ``slasim init`` asks for (flags of the same names)."""

    sellers: int = 4
    leads_per_month: int = 600
    hours: str = "08-17"
    timezone: str = "Europe/Stockholm"
    country: str = "SE"
    currency: str = "SEK"
    seller_cost: float | None = None  # per seller and month; default from CURRENCIES
    start: str | None = None  # YYYY-MM-DD; default: the first day of next month
    name: str | None = None


_HELP = {
    "sellers": "sellers on the office shift (default 4)",
    "leads_per_month": "inbound leads per month, split 10/30/60 %% hot/warm/cold (default 600)",
    "hours": "office hours Monday-Friday, HH-HH or HH:MM-HH:MM (default 08-17)",
    "timezone": "IANA time zone (default Europe/Stockholm)",
    "country": "public holidays of this country, ISO code (default SE)",
    "currency": f"currency of all amounts (default SEK; known: {', '.join(CURRENCIES)})",
    "seller_cost": "cost of one seller per month (default: by currency)",
    "start": "first day of the simulated month, YYYY-MM-DD (default: next month's first)",
    "name": "scenario name (default: the file name)",
}


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The ``slasim init`` flags (``--sellers``, ``--leads-per-month``, ...), default None."""
    for f in fields(InitOptions):
        kind = {"sellers": int, "leads_per_month": int, "seller_cost": float}.get(f.name, str)
        p.add_argument("--" + f.name.replace("_", "-"), dest=f"init_{f.name}", type=kind,
                       default=None, help=_HELP[f.name])


def given(args: argparse.Namespace) -> list[str]:
    """The init flags given on the command line."""
    return ["--" + f.name.replace("_", "-") for f in fields(InitOptions)
            if getattr(args, f"init_{f.name}", None) is not None]


def ask(args: argparse.Namespace, stream: TextIO | None = None) -> None:
    """On a terminal: ask for each value not given as a flag (Enter keeps the default)."""
    defaults = InitOptions()
    out = stream or sys.stderr
    print("A new scenario: press Enter to keep the value in brackets.", file=out)
    for f in fields(InitOptions):
        if f.name in ("seller_cost", "start", "name"):
            continue
        if getattr(args, f"init_{f.name}") is not None:
            continue
        default = getattr(defaults, f.name)
        print(f"{f.name.replace('_', ' ')} [{default}]: ", end="", file=out, flush=True)
        answer = sys.stdin.readline().strip()
        if answer:
            kind = type(default)
            try:
                setattr(args, f"init_{f.name}", kind(answer))
            except ValueError:
                raise InputError.single("<input>", f.name, f"got {answer!r}; expected "
                                        f"{kind.__name__}") from None


def options(args: argparse.Namespace) -> InitOptions:
    """The values from the flags (or answers), defaults for the rest, checked."""
    opts = InitOptions()
    for f in fields(InitOptions):
        value = getattr(args, f"init_{f.name}", None)
        if value is not None:
            setattr(opts, f.name, value)
    if opts.name is None:
        stem = re.sub(r"\.toml$", "", str(args.path).replace("\\", "/").rsplit("/", 1)[-1])
        opts.name = stem or "my-team"
    opts.currency = opts.currency.upper()
    opts.country = opts.country.upper()
    if not 1 <= opts.sellers <= 500:
        raise InputError.single("<cli>", "--sellers", f"got {opts.sellers}; expected 1 to 500")
    if not 10 <= opts.leads_per_month <= 1_000_000:
        raise InputError.single("<cli>", "--leads-per-month",
                                f"got {opts.leads_per_month}; expected 10 to 1000000")
    if opts.seller_cost is None and opts.currency not in CURRENCIES:
        raise InputError.single(
            "<cli>", "--currency", f"got {opts.currency!r}: slasim has no seller cost for it; "
            f"give --seller-cost (known currencies: {', '.join(CURRENCIES)})",
        )
    if opts.seller_cost is not None and not 0 < opts.seller_cost <= 1e9:
        raise InputError.single("<cli>", "--seller-cost",
                                f"got {opts.seller_cost}; expected an amount > 0")
    _hours(opts.hours)
    if opts.start is not None:
        try:
            dt.date.fromisoformat(opts.start)
        except ValueError:
            raise InputError.single("<cli>", "--start",
                                    f"got {opts.start!r}; expected YYYY-MM-DD") from None
    return opts


def _hours(text: str) -> tuple[int, int]:
    """``"08-17"`` or ``"08:00-17:00"`` -> (8, 17), whole hours."""
    m = re.fullmatch(r"\s*(\d{1,2})(?::00)?\s*-\s*(\d{1,2})(?::00)?\s*", text)
    if not m or not 0 <= int(m[1]) < int(m[2]) <= 24:
        raise InputError.single(
            "<cli>", "--hours", f"got {text!r}; expected whole hours such as 08-17 or "
            "08:00-17:00 (start before end, within one day)",
        )
    return int(m[1]), int(m[2])


def _hour_profile(start: int, end: int, *, cold: bool) -> list[float]:
    """Arrivals per hour of day: a working-hours peak, a shoulder each side, a quiet night.

    Inbound B2B leads arrive mostly while the buyer is at work (the shape of the reference
    scenario's profile); content downloads (cold) spread more into the evening.
    """
    night, shoulder = (0.2, 0.8) if cold else (0.05, 0.6)
    profile = []
    for h in range(24):
        if start <= h < end:
            # a little dip at lunch (the middle hour of the day)
            value = 1.0 if h == (start + end) // 2 else 1.3
        elif h in (start - 1, end):
            value = shoulder
        elif h in (start - 2, end + 1):
            value = shoulder / 2 + night / 2
        else:
            value = night
        profile.append(value)
    return profile


def _fmt_list(values: list[float]) -> str:
    return "[" + ", ".join(f"{v:g}" for v in values) + "]"


def _money(x: float) -> str:
    """Amounts rounded to 2 significant digits, written as TOML integers."""
    if x >= 100:
        digits = len(str(int(x))) - 2
        x = round(x / 10**digits) * 10**digits
    return str(round(x))


def render(o: InitOptions) -> str:
    """The commented scenario text for the options ``o``."""
    start_h, end_h = _hours(o.hours)
    day = (end_h - start_h) * 60
    seller_cost, scale = CURRENCIES.get(o.currency, (o.seller_cost or 0.0, 1.0))
    if o.seller_cost is not None:
        seller_cost = o.seller_cost
    if o.currency not in CURRENCIES:  # amounts in SEK would mean nothing: scale by cost
        scale = seller_cost / CURRENCIES["SEK"][0]
    volume = {t: max(1, round(o.leads_per_month * s)) for t, s in SPLIT.items()}
    quota = {t: int(v * 0.93) for t, v in volume.items()}
    hot_lo, hot_hi = max(1, round(volume["hot"] * 2 / 3)), max(2, volume["hot"] * 2)
    hot_step = max(1, (hot_hi - hot_lo) // 4)
    start = (dt.date.fromisoformat(o.start) if o.start
             else (dt.date.today().replace(day=1) + dt.timedelta(days=32)).replace(day=1))
    warm_profile = _fmt_list(_hour_profile(start_h, end_h, cold=False))
    cold_profile = _fmt_list(_hour_profile(start_h, end_h, cold=True))
    hours = f'"{start_h:02d}:00-{end_h:02d}:00"'
    week = ", ".join(f"{d} = [{hours}]" for d in ("mon", "tue", "wed", "thu", "fri"))
    lo_sellers, hi_sellers = max(1, o.sellers // 2), max(o.sellers + 4, 3 * o.sellers)
    cur = o.currency
    # Values as TOML strings (a quote or backslash in --name made invalid TOML, exit 1, or a
    # different name); comments without control characters (a newline would end them).
    from slasim.scenario.toml_write import toml_value

    def plain(text: str) -> str:
        return re.sub(r"[\x00-\x1f\x7f]", " ", text)

    q_name, q_tz, q_country, q_cur = (toml_value(v) for v in
                                      (o.name, o.timezone, o.country, o.currency))
    o = replace(o, name=plain(o.name or ""), timezone=plain(o.timezone))
    cur = plain(cur)
    return f'''# slasim scenario "{o.name}", written by `slasim init`.
# {o.sellers} sellers Mon-Fri {start_h:02d}-{end_h:02d} ({o.timezone}), {o.leads_per_month:,} leads a month.
# Numbers not given to `slasim init` come from the reference scenario (`slasim examples show
# baseline`: a Swedish B2B SaaS inbound team) and are marked "assumption": replace them with
# your own, or run `slasim calibrate` on a CRM export. Then:
#   slasim check {o.name}.toml      what the scenario implies (queueing theory, a quick simulation)
#   slasim run {o.name}.toml        the month simulated 100 times: how often each term is kept
#   slasim optimize {o.name}.toml   realistic terms, staffing and volumes ([optimize] below)

name = {q_name}
description = "{o.sellers} sellers Mon-Fri {start_h:02d}-{end_h:02d}, {o.leads_per_month} leads/month, FIFO"

[horizon]
start = {start.isoformat()}          # the first simulated day
days = 30                   # one calendar month
timezone = {q_tz}

[calendar]
# Office hours: the hours in which sellers work and the business clock of the SLA runs.
hours = {{ {week} }}
holiday_country = {q_country}      # public holidays: no office hours, fewer leads

# ---------------------------------------------------------------------------------------------
# Tiers: {o.leads_per_month:,} leads a month split 10 / 30 / 60 % into hot / warm / cold (assumption,
# as in the reference scenario). Funnel rates: assumption, in the range of published B2B SaaS
# benchmarks (inbound lead -> SQL 10-40 %, SQL -> opportunity ~50 %, opportunity -> won
# 20-30 %); deal size = first-year contract value in {cur}.
# Profile: leads arrive mostly while buyers are at work. weekday = Mon..Sun, hour = 00..23
# (relative weights; the working hours {start_h:02d}-{end_h:02d} carry most of the volume, with a dip at
# lunch and a shoulder each side). A flat 24/7 profile would put a third of the leads in the
# night, where no seller works: `slasim calibrate` measures yours.
# ---------------------------------------------------------------------------------------------

[tiers.hot]                 # demo or pricing requests: few, valuable, expect a call now
monthly_volume = {volume["hot"]}
dispersion = 0.02           # month-to-month volume spread beyond Poisson (campaigns; assumption)
base_contact = 0.65         # fresh demo requesters answer 2 of 3 first calls (assumption)
base_qualify = 0.55
opportunity_rate = 0.6
win_rate = 0.3
deal_size = {{ median = {_money(120_000 * scale)}, p90 = {_money(400_000 * scale)} }}
sales_cycle_days = {{ median = 30, p90 = 90 }}

[tiers.hot.profile]
weekday = [1.0, 1.0, 1.0, 0.95, 0.8, 0.2, 0.2]
hour = {warm_profile}
holiday_factor = 0.3        # a public holiday behaves like a weekend day

[tiers.warm]                # free-trial sign-ups and contact forms
monthly_volume = {volume["warm"]}
dispersion = 0.02
base_contact = 0.5
base_qualify = 0.3
opportunity_rate = 0.5
win_rate = 0.25
deal_size = {{ median = {_money(80_000 * scale)}, p90 = {_money(250_000 * scale)} }}
sales_cycle_days = {{ median = 45, p90 = 120 }}

[tiers.warm.profile]
weekday = [1.0, 1.0, 1.0, 0.95, 0.8, 0.2, 0.2]
hour = {warm_profile}
holiday_factor = 0.3

[tiers.cold]                # content downloads, webinar sign-ups: many, cheap, slow to buy
monthly_volume = {volume["cold"]}
dispersion = 0.04
base_contact = 0.35
base_qualify = 0.12
opportunity_rate = 0.4
win_rate = 0.2
deal_size = {{ median = {_money(60_000 * scale)}, p90 = {_money(200_000 * scale)} }}
sales_cycle_days = {{ median = 60, p90 = 150 }}

[tiers.cold.profile]        # downloads spread more into evenings and weekends
weekday = [1.0, 1.0, 1.0, 1.0, 0.9, 0.4, 0.4]
hour = {cold_profile}
holiday_factor = 0.5

# ---------------------------------------------------------------------------------------------
# Decay: how fast a lead goes cold. The answer depends on it more than on anything else here,
# so it is chosen, not left to a default. Presets (`slasim/model/decay.py` has their sources):
#   "hbr2011"  Harvard Business Review 2011, 1.25M leads: answering within 1 h vs 1 h later
#              ~7x more likely to qualify; vs 24 h > 60x. Qualification only.
#   "lrm2007"  Lead Response Management study 2007: contact odds 100x lower at 30 min than at
#              5 min, qualification 21x: the pessimistic reading.
#   "none"     no decay (textbook queueing checks only).
# Chosen: hbr2011 for qualification, and a moderate contact curve (contact halves every 30
# minutes down to 25 % of the fresh rate; assumption, as in the reference scenario).
# ---------------------------------------------------------------------------------------------

[decay]
preset = "hbr2011"

[decay.contact]
kind = "exponential"
half_life_minutes = 30
floor = 0.25

# ---------------------------------------------------------------------------------------------
# Team
# ---------------------------------------------------------------------------------------------

[team]
shrinkage = 0.25            # meetings, training, breaks, admin: 20-30 % is the usual planning figure
work_holidays = false
cost_per_seller_month = {_money(seller_cost)}   # {cur}: salary, employer fees, tools, overhead{"" if o.seller_cost else " (assumption)"}
handling_unanswered = {{ dist = "lognormal", mean_minutes = 3, cv = 0.5 }}      # dial, voicemail, log, e-mail
handling_conversation = {{ dist = "lognormal", mean_minutes = 15, cv = 0.6 }}   # discovery call + CRM notes

[[team.shifts]]
name = "office"             # the key `[optimize] sellers` and `--set` use
weekdays = ["mon", "tue", "wed", "thu", "fri"]
start = "{start_h:02d}:00"
end = "{end_h:02d}:00"
sellers = {o.sellers}

[cadence]
max_attempts = 6            # up to 6 attempts reach most leads that eventually convert
spacing_minutes = [30, 120, {day}, {day}, {2 * day}]     # business minutes ({day} = one working day)
business_hours_only = true
window_days = 10            # "6 attempts within 10 days"

[routing]
policy = "fifo"             # first come, first served; "tier_priority" serves hot leads first

# ---------------------------------------------------------------------------------------------
# The SLA under discussion: a first draft to test (the optimizer proposes realistic terms).
# ---------------------------------------------------------------------------------------------

[sla]
confidence = 0.8            # realistic = each side keeps all its terms in >= 80 % of simulated months

[sla.tiers.hot]
quota = {quota["hot"]}                  # marketing promises a bit under the expected {volume["hot"]}
response_target_minutes = 5 # "call every demo request within 5 business minutes..."
response_share = 0.9        # "...90 % of the time"
response_clock = "business"
min_attempts = 6
attempt_share = 0.9

[sla.tiers.warm]
quota = {quota["warm"]}
response_target_minutes = 60
response_share = 0.9
min_attempts = 6
attempt_share = 0.9

[sla.tiers.cold]
quota = {quota["cold"]}
response_target_minutes = 480   # one business day
response_share = 0.8
min_attempts = 3
attempt_share = 0.8

[costs]
currency = {q_cur}
cost_per_lead = {{ hot = {_money(1500 * scale)}, warm = {_money(600 * scale)}, cold = {_money(150 * scale)} }}   # what a lead costs to buy (assumption)
gross_margin = 0.8          # SaaS gross margin (assumption)

# ---------------------------------------------------------------------------------------------
# What `slasim optimize` may change (ignored by `slasim run`). Unlisted values stay fixed.
# ---------------------------------------------------------------------------------------------

[optimize]
objective = "profit"        # or "cost" with revenue_goal = <monthly revenue + pipeline>
sellers = {{ office = [{lo_sellers}, {hi_sellers}] }}        # head count the budget allows
routing = ["fifo", "tier_priority"]     # status quo vs. hot leads first
shortlist = 8               # candidates simulated after the analytic screening
verify_reps = 200           # fresh months that must confirm the winner

[optimize.tiers.hot]
volume = [{hot_lo}, {hot_hi}]         # demo requests marketing can buy per month
volume_step = {hot_step}
response_targets = [5, 15, 30, 60]
response_shares = [0.9, 0.8]
min_attempts = [6, 4, 3]
qualify_rate_targets = [0.30, 0.25, 0.20, 0.15]   # the highest one kept in >= 80 % of months is proposed

[optimize.tiers.warm]
response_targets = [30, 60, 240]
min_attempts = [6, 4, 3]
qualify_rate_targets = [0.15, 0.10, 0.05]

[optimize.tiers.cold]
response_targets = [240, 480, 1440]
min_attempts = [3, 2]
'''


def validate(text: str, source: str) -> None:
    """Raise :class:`InputError` when ``text`` is not a valid scenario (a wrong time zone or
    country code, say): nothing is written then."""
    from slasim.scenario.load import scenario_from_dict

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:  # pragma: no cover - the template is TOML
        raise RuntimeError(f"slasim init wrote invalid TOML: {exc}") from exc
    scenario_from_dict(data, source)
