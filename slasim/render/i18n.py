"""Every text of the report and of the tracking dashboard, in English and Swedish.

Templates use ``str.format`` fields (``{tier}``, ``{share}``); numbers are formatted before they
are inserted (:mod:`slasim.render.page`), so a template never decides a number format. The two
tables must have the same keys (a test checks it); :func:`tr` raises on a missing key rather
than falling back to English inside a Swedish document.
"""

# Long texts read best one per line: line length is not enforced in this table.
# ruff: noqa: E501

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from slasim.measure.catalogue import CATALOGUE, TRACKED
from slasim.model.routing import router_label

__all__ = ["EN", "SV", "TEXTS", "TRACK_MEASURES", "MissingTextError", "measure_label", "tr"]

EN: Mapping[str, str] = MappingProxyType(
    {
        "title": "Sales–marketing service level agreement",
        "subtitle": "{scenario} · {start} – {end} · {runs}",
        "runs_months": "{reps} simulated months",
        "runs_months_short": "{reps} months",
        "per_month_label": "{label}, per month",
        "runs_periods_short": "{reps} periods of {days} days",
        "runs_periods": "{reps} simulated periods of {days} days",
        # --- page 1: the decision -------------------------------------------------------------
        "h_decision": "The decision in brief",
        "decision_p_marketing": "chance marketing keeps all its terms in a month",
        "decision_p_sales": "chance sales keeps all its terms in a month",
        "decision_p_joint": "chance both sides keep them in the same month",
        "decision_cost": "cost per month (sellers and leads)",
        "decision_revenue": "revenue per month (deals won inside the month)",
        "decision_pipeline_value": (
            "expected value of the deals still open at month end (value × win rate)"
        ),
        "decision_profit": "expected profit per month: {margin} margin × (revenue + open deals) − cost",
        # The same rows for a horizon of several months (judged month by month).
        "decision_p_marketing_months": "chance marketing keeps all its terms in every month",
        "decision_p_sales_months": "chance sales keeps all its terms in every month",
        "decision_p_joint_months": "chance both sides keep them in every month",
        "decision_p_marketing_weakest": "chance marketing keeps all its terms in its weakest month ({month})",
        "decision_p_sales_weakest": "chance sales keeps all its terms in its weakest month ({month})",
        "decision_p_joint_weakest": "chance both sides keep them in the same month, in the weakest month ({month})",
        "decision_cost_months": "cost over the period (sellers and leads)",
        "decision_revenue_months": "revenue over the period (deals won inside it)",
        "decision_pipeline_value_months": (
            "expected value of the deals still open at the period's end (value × win rate)"
        ),
        "decision_profit_months": (
            "expected profit over the period: {margin} margin × (revenue + open deals) − cost"
        ),
        "decision_money_range_months": (
            "mean {lo} – {hi} (95 % CI); 8 periods in 10: {p10} – {p90}"
        ),
        "decision_money_range": "mean {lo} – {hi} (95 % CI); 8 months in 10: {p10} – {p90}",
        # The same rows for a horizon shorter than a month (a week): P per period of {days}
        # days, money per month as elsewhere (the period's value × 30.44 / {days}).
        "decision_p_marketing_period": "chance marketing keeps all its terms in a {days}-day period",
        "decision_p_sales_period": "chance sales keeps all its terms in a {days}-day period",
        "decision_p_joint_period": "chance both sides keep them in the same {days}-day period",
        "decision_cost_period": "cost per month (sellers and leads; the {days} days × 30.44/{days})",
        "decision_revenue_period": (
            "revenue per month (deals won inside the {days} days, × 30.44/{days})"
        ),
        "decision_pipeline_value_period": (
            "expected value of the deals still open after the {days} days (value × win rate), "
            "× 30.44/{days}"
        ),
        "decision_profit_period": (
            "expected profit per month: {margin} margin × (revenue + open deals) − cost"
        ),
        "decision_money_range_period": (
            "mean {lo} – {hi} (95 % CI); 8 periods in 10: {p10} – {p90}"
        ),
        "decision_weakest_period": (
            "its weakest term is the {term}, kept in {p} of {days}-day periods (needed {confidence})."
        ),
        "headline_period": (
            "Chance that a {days}-day period meets the agreement: marketing {m}, sales {s}, both "
            "sides {j} (realistic when {rule})."
        ),
        "fig_p_met_period": (
            "Share of simulated {days}-day periods in which each term is met, per tier; dashed "
            "line: the agreed confidence."
        ),
        "axis_p_met_period": "share of {days}-day periods met",
        "decision_col_value": "expected",
        "decision_col_range": "range",
        "h_decision_change": "What would change the answer",
        "decision_weakest": "its weakest term is the {term}, kept in {p} of months (needed {confidence}).",
        "decision_weakest_month": (
            "its weakest term is the {term} in {month}, kept in {p} of {many} (needed "
            "{confidence} in every month)."
        ),
        "decision_sellers": "Sellers:",
        "h_appendix": "Appendix: reproduce these numbers",
        "file_placeholder": "FILE",
        "appendix_options": "; the options' files: {options}.",
        "appendix_option": "{file} of “{name}”",
        "appendix_text": (
            "{runs} with the seed {seed}. The same command with the same seed and "
            "number of replications simulates exactly the same ones and prints the same verdict: "
            "{command}, FILE being the scenario file of “{scenario}”."
        ),
        "footer": "Generated with slasim {version} from the scenario “{scenario}”.",
        # --- part 1: the agreement ------------------------------------------------------------
        "h_agreement": "1. The agreement",
        "h_purpose": "Purpose",
        "purpose_text": (
            "Marketing and sales agree on what counts as a lead, how many leads marketing "
            "delivers each month, and how quickly and persistently sales follows them up, so that "
            "leads are worked while they are still warm and both teams are held to numbers they "
            "can actually meet. Period covered: {start} to {end} ({days} days, time zone {tz})."
        ),
        "steps_intro": "The agreement follows the three steps of a good SLA:",
        "step1_lead": "Agreed together.",
        "step1": "Both teams set the terms jointly, on the evidence in part 2, and sign below.",
        "step2_lead": "Process along the buyer journey.",
        "step2": (
            "Every step from contact request to first attempt, contact, qualification (SQL), "
            "opportunity and won deal has an owner and a target."
        ),
        "step3_lead": "Measured and optimized.",
        "step3": (
            "Every term is measured monthly from the CRM and reviewed on a fixed cadence; terms "
            "change on evidence, not anecdotes."
        ),
        "h_definitions": "Lead definitions",
        "definitions_text": (
            "A lead is a prospect who asked to be contacted (form, demo request, download, event). "
            "Every lead is created in the CRM with exactly one tier:"
        ),
        "col_tier": "tier",
        "col_volume": "expected leads per month",
        "col_deal": "median deal size",
        "col_contact0": "reached when called at once",
        "col_qualify0": "qualified when reached at once",
        "col_win": "won per opportunity",
        "h_marketing": "Marketing’s commitments",
        "marketing_text": (
            "Marketing delivers the quota below of each tier every calendar month, each lead "
            "created in the CRM with its tier and source. A quota is stated for an average month "
            "(365.25 / 12 = 30.4375 days) and pro-rated to each month’s days: a month meets it "
            "when its count reaches quota × days / 30.4375, rounded up to whole leads (the table "
            "gives the leads needed in a month of 28, 29, 30 and 31 days)."
        ),
        "col_quota": "quota (leads per average month)",
        "col_needed": "{days}-day month",
        "quota_in_period": (
            "{n} in these {days} days ({quota} a month × {days}/30.4375, pro-rated, rounded up)"
        ),
        "col_cost_per_lead": "cost per lead",
        "h_sales": "Sales’ commitments",
        "sales_text": (
            "Sales follows up every lead: a first attempt within the response target, then the "
            "attempt cadence until the lead is reached or the window closes (at most {attempts} "
            "attempts within {window} days)."
        ),
        "col_response": "response time",
        "col_attempts": "attempts",
        "col_conversion": "conversion",
        "response_term": "first attempt within {target} {clock} for {share} of leads",
        "attempts_term": "at least {n} attempts within {window} days for {share} of leads not reached",
        "conversion_term": "at least {rate} of leads qualified (SQL)",
        "no_term": "no commitment",
        "clock_business": "business minutes",
        "clock_wall": "wall-clock minutes",
        "routing_text": "Waiting leads are taken in this order: {policy}.",
        "age_cutoff_text": "Leads not attempted within {minutes} minutes go back to marketing nurture.",
        "h_measurement": "How each term is measured",
        "col_term": "term",
        "col_measure": "measured as",
        "col_clock": "clock",
        "col_period": "period",
        "col_source": "data source",
        "term_quota": "quota",
        "term_response": "response time",
        "term_attempts": "attempt cadence",
        "term_conversion": "conversion",
        "measure_quota": "leads created per tier in the month, against quota × days / 30.4375",
        "measure_response": "minutes from lead creation to the start of the first logged attempt",
        "measure_attempts": (
            "logged attempts per lead not reached, counted once its attempt window has closed"
        ),
        "measure_conversion": "qualified leads (SQL) divided by leads created",
        "clock_calendar": "calendar days",
        "period_month": "calendar month",
        "source_crm": "CRM export: created time, tier, attempts, outcome",
        "measurement_note": (
            "Each side meets the agreement in a month when it meets every term of every tier. "
            "A lead whose response deadline falls after the month end and that was not yet "
            "attempted is judged in the month its deadline falls in."
        ),
        "h_review": "Review cadence",
        "review_weekly_lead": "Weekly:",
        "review_weekly": "sales operations shares response times and attempts per tier.",
        "review_monthly_lead": "Monthly:",
        "review_monthly": (
            "the heads of marketing and sales review attainment per term together; a term missed "
            "two months in a row gets a root-cause review, not blame."
        ),
        "review_quarterly_lead": "Quarterly:",
        "review_quarterly": (
            "the terms are recalibrated on the latest CRM data and simulated again before they "
            "change."
        ),
        "h_signatures": "Signatures",
        "sign_marketing": "For marketing (name, date):",
        "sign_sales": "For sales (name, date):",
        # --- part 2: the evidence -------------------------------------------------------------
        "h_evidence": "2. The evidence",
        "method_text": (
            "Every number below comes from {runs} of this scenario "
            "(discrete-event simulation; the seed is in the appendix); intervals are 95 % confidence intervals of "
            "the mean. The agreement is called realistic when {rule} (sla.confidence_level = "
            "\u201c{level}\u201d)."
        ),
        "h_attainment": "Expected outcome and chance of meeting each term",
        "headline": (
            "Chance that a month meets the agreement: marketing {m}, sales {s}, both sides {j} "
            "(realistic when {rule})."
        ),
        "col_target": "target",
        "col_expected": "expected",
        "col_p_met": "chance met",
        "not_measured": "not measured",
        "col_verdict": "assessment",
        "realistic": "realistic",
        "not_realistic": "not realistic",
        "fig_p_met": (
            "Share of simulated months in which each term is met, per tier; dashed line: the "
            "agreed confidence."
        ),
        "axis_p_met": "share of months met",
        "confidence_label": "confidence {c}",
        "h_kpis": "The expected month",
        "kpi_note": (
            "Mean over {runs}; counts and money per month (an average month of "
            "30.44 days, as the scenario's volumes and costs), rates and times as simulated; the "
            "all-tiers column adds ± the half-width of the 95 % confidence interval."
        ),
        "h_queue": "The queue",
        "queue_note": (
            "The wait as a call centre reads it, per lead created: the wait runs from creation "
            "to the first attempt (minutes around the clock); a short abandonment gives up "
            "within {short} s; the service level is the share first attempted within the "
            "tier’s response target on each clock, leads that gave up counting as misses. "
            "For information only: none of these is a term of the agreement. “–”: no such "
            "lead (e.g. nobody gave up)."
        ),
        "col_metric": "measure",
        "col_all": "all tiers",
        "h_funnel": "The funnel",
        "funnel_text": (
            "Expected leads at each stage per month, by tier. Only deals closed inside the month "
            "count as won; later wins appear as the expected value of open opportunities."
        ),
        "stage_leads": "leads created",
        "stage_contacted": "reached",
        "stage_qualified": "qualified (SQL)",
        "stage_opportunity": "opportunities",
        "stage_won": "won",
        "fig_funnel": "Expected leads per month at each funnel stage, by tier (log scale).",
        "axis_leads_per_month": "leads per month",
        "h_response": "Response times against the targets",
        "fig_response": (
            "Share of leads with a first attempt within t minutes, per tier; dots: the promised "
            "share at each tier’s target (dashed line, labelled with the target). The axis "
            "runs to the slowest first attempt, often a lead created before a weekend. Every "
            "lead counts, also one never attempted, so the curves sit a little below the "
            "table’s shares, which leave out leads still open at the month end."
        ),
        "axis_response": "response time ({clock}, log scale)",
        "axis_share_attempted": "share of leads attempted",
        "h_decay": "How fast leads go cold: the decay curves used",
        "decay_contact": "Contact: {curve}.",
        "decay_qualify": "Qualification: {curve}.",
        "decay_source": "Source: {source}",
        "decay_own": "defined in the scenario file",
        "decay_caveat": (
            "Published response-time studies compare buckets of response times; their ratios are "
            "observational, not causal effects."
        ),
        "curve_flat": "no decay",
        "curve_exponential": "halves every {half_life} minutes, down to {floor} of the fresh rate",
        "curve_power_law": "power law with scale {scale} minutes and exponent {exponent}, floor {floor}",
        "curve_table": "table of multipliers: {points}",
        "curve_point": "×{factor} at {age} min",
        "fig_decay": (
            "Multiplier on the fresh contact and qualify probability by the lead’s age at the "
            "attempt (log scale)."
        ),
        "axis_age": "lead age at the attempt (minutes)",
        "axis_multiplier": "multiplier f(age)",
        "label_contact": "contact",
        "label_qualify": "qualification",
        "h_staffing": "How many sellers the agreement needs",
        "staffing_text": (
            "The fewest sellers for which what staffing controls is realistic (the sales side; "
            "every sales term at confidence level “term”; the agreement at “joint”), per "
            "routing policy: every staffing level is simulated on the same {runs} (all "
            "shifts moved together, one seller at a time). Queueing theory (Erlang C, in slasim "
            "plan) gives a steady-state, one-queue reference that ignores the Monday backlog "
            "and repeated attempts (more sellers) and priorities and patience (fewer); this is "
            "the simulated answer."
        ),
        "col_sellers": "sellers",
        "col_p_marketing": "marketing keeps its terms",
        "col_p_sales": "sales keeps its terms",
        "col_p_joint": "both sides",
        "fewest": "Routing {policy}: the fewest sellers that make the agreement realistic is "
                  "{total} ({per}).",
        "fewest_sales": "Routing {policy}: the fewest sellers that make the sales side "
                        "realistic is {total} ({per}); marketing's terms still fail there "
                        "(sellers do not change them).",
        "fewest_sales_terms": "Routing {policy}: the fewest sellers that make every sales term "
                              "realistic is {total} ({per}); marketing's terms still fail "
                              "there (sellers do not change them).",
        "fewest_none": "Routing {policy}: not realistic with up to {most} sellers.",
        "fewest_blocking": "Staffing alone does not fix it; weakest terms at the most sellers "
                           "tried: {weakest}.",
        "fig_staffing": (
            "Share of months in which sales keeps all its terms, by the number of sellers, per "
            "routing policy; dashed line: the agreed confidence; shaded: today."
        ),
        "axis_sellers_total": "sellers (all shifts)",
        "axis_p_sales": "share of months sales keeps its terms",
        "label_sales_policy": "sales: {policy}",
        "label_joint_policy": "both sides: {policy}",
        "axis_p_joint": "share of months both sides keep their terms",
        # The staffing chart for a horizon shorter than a month, and for several months (each
        # month must reach the confidence: the chart shows the weakest month's chance).
        "fig_staffing_period": (
            "Share of {days}-day periods in which sales keeps all its terms, by the number of "
            "sellers, per routing policy; dashed line: the agreed confidence; shaded: today."
        ),
        "axis_p_sales_period": "share of {days}-day periods sales keeps its terms",
        "axis_p_joint_period": "share of {days}-day periods both sides keep their terms",
        "fig_staffing_months": (
            "Chance that sales keeps all its terms in the weakest month of the period (every "
            "month must reach the agreed confidence), by the number of sellers, per routing "
            "policy; dashed line: the agreed confidence; shaded: today. The table's columns are "
            "the chance of keeping them in every month."
        ),
        "axis_p_sales_months": "sales keeps its terms, weakest month",
        "axis_p_joint_months": "both sides keep their terms, weakest month",
        "h_options": "Options compared",
        "options_text": (
            "Every option is simulated on the same {runs} of leads (common random "
            "numbers), so the differences to “{base}” are paired and their confidence intervals "
            "narrow."
        ),
        "col_option": "option",
        "col_item": "item",
        "col_difference": "difference to {base} (95 % CI)",
        "unit_pp": "pp",
        "pp_note": (
            "Differences of shares and chances are in percentage points (pp): from 50 % to 55 % "
            "is +5 pp."
        ),
        "row_sellers": "sellers (all shifts)",
        "row_routing": "routing",
        "row_term": "{tier}: {term}",
        "fig_options": (
            "Expected profit per month and the chance that both sides meet the agreement, per "
            "option, with 95 % confidence intervals."
        ),
        "axis_profit": "profit per month ({currency})",
        "axis_joint": "chance both sides meet the agreement",
        # --- tracking dashboard (slasim track) -------------------------------------------------
        # English values are also the terminal's words (slasim.render.dashboard.format_track).
        "track_title": "SLA tracking: {agreement}",
        "track_header": (
            "agreement '{agreement}'; bands from {reps} simulated months per tracked month "
            "(seed {seed}); export time {as_of}"
        ),
        "track_band_note": (
            "A band holds 80 % of simulated months: an actual outside it now and then is "
            "expected; the same measure outside it month after month, or far outside, is the "
            "signal."
        ),
        "track_complete": "{label}: complete month ({days} days), {leads} leads",
        "track_partial": (
            "{label}: PARTIAL month, export ends {cutoff} ({elapsed} of {days} days), {leads} "
            "leads; quotas pro-rated to {fraction}, bands from simulated months cut at the same "
            "time (pass --as-of to set the export time)"
        ),
        "track_not_measurable": "Not measurable from this export: {measures}.",
        "track_cap_tiers": "Actual vs target per tier",
        "track_tiers_band": "band: where the actual falls against the simulated p10-p90 of this month",
        "track_cap_terms": "SLA terms",
        "track_h_sellers": "Sellers",
        "track_h_seller_bands": "Sellers against the simulated seats",
        "track_seller_bands_note": (
            "Each owner's value, with the simulated p10-p90 of the same measure over every "
            "seat of every simulated month in brackets (leads owned: a seat's share scaled to "
            "this export's leads per owner); above / below mark a value outside it. Evidence "
            "to talk about, not a verdict on the seller."
        ),
        "track_m_leads_owned": "leads owned",
        "track_cap_all": "All tiers",
        "track_small_note": (
            "Rates rest on the counts next to them; in brackets the 95 % Wilson interval. With "
            "fewer than {n} leads (marked *) a rate says little on its own: compare intervals, "
            "not ranks. Sellers are listed by volume."
        ),
        "track_fig_title": "{period}: actual vs target and simulated band",
        "track_fig_alt": (
            "{period}: actual (dots) against target (dashed) and simulated p10-p90 band (bars) "
            "per tier"
        ),
        "track_fig_caption": "Dot: actual. Bar: simulated p10-p90 of this month. Dashed: target.",
        "track_sim_band": "simulated p10-p90",
        "track_col_actual": "actual",
        "track_col_met": "met",
        "track_col_band": "band",
        "track_col_sim_p_met": "simulated P(met)",
        "track_col_owner": "owner",
        "track_col_leads": "leads",
        "track_col_within": "called within target",
        "track_col_attempts": "attempts/lead",
        "track_col_contacted": "contacted",
        "track_col_qualified": "qualified",
        "track_col_won": "won",
        "track_yes": "yes",
        "track_no": "NO",
        "track_band_below": "below",
        "track_band_inside": "inside",
        "track_band_above": "above",
        "track_band_na": "n/a",
        "track_unassigned": "(unassigned)",
        "track_term_marketing": "marketing",
        "track_term_response": "response",
        "track_term_attempts": "attempts",
        "track_term_conversion": "conversion",
        "track_term_sales": "sales",
        "track_term_joint": "joint",
        "track_target_quota": "at least {quota} leads",
        "track_target_sides": "every tier’s terms",
        "track_target_joint": "marketing and sales",
        "track_m_leads_created": "leads delivered",
        "track_m_first_attempt_within_target": "share called within target",
        "track_m_response_minutes_p90": "response p90 (wall min)",
        "track_m_response_business_minutes_p90": "response p90 (business min)",
        "track_m_qualify_rate": "qualify rate",
        "track_m_win_rate": "win rate",
        "track_m_won_deals": "deals won",
        # --- a horizon of several months (slasim.render.report.months) ---------------------------
        "h_months_terms": "Terms month by month",
        "months_terms_text": (
            "The agreement is judged month by month: each of the {n} calendar months of the "
            "period has its own terms. A month's quota is pro rata to the days of it the period "
            "covers (quota × days / 30.4375, rounded up, so a short month asks for fewer leads "
            "and a partial "
            "month for its share); the other terms are the same every month."
        ),
        "h_months": "Month by month",
        "months_text": (
            "Chance that each term (and each side's terms together) is met in each of the {n} "
            "months, and in every month of the period. The agreement is realistic when every "
            "month reaches {confidence} (“{mark}” marks a month below it); the last column, the chance that a "
            "simulated period keeps the term in all its months, is reported, not required."
        ),
        "below_mark": "(below)",
        "quota_per_month": "{quota} a month (pro rata per month)",
        "headline_months": (
            "Chance that every month of the period meets the agreement: marketing {m}, sales "
            "{s}, both sides {j} (realistic when {rule})."
        ),
        "col_p_every_month": "chance met in every month",
        "col_every_month": "every month",
        "col_won_in": "deals won in",
        "col_mean": "mean",
        "fig_months": (
            "Share of simulated periods in which each side keeps all its terms, month by "
            "month; dashed line: the agreed confidence."
        ),
        "revenue_text": (
            "Revenue of the deals won inside the period, by the month they close, and over the "
            "whole period (the spread over simulated periods). Opportunities still open at the "
            "end are not in it: their expected value is {pipeline}."
        ),
        "axis_revenue": "revenue won ({currency})",
        "fig_revenue": (
            "Revenue of deals won per month and in the whole period: bar from the 10th to the "
            "90th percentile of the simulated periods, line at the median, dot at the mean."
        ),
    }
)

SV: Mapping[str, str] = MappingProxyType(
    {
        "title": "Servicenivåavtal mellan marknad och sälj",
        "subtitle": "{scenario} · {start} – {end} · {runs}",
        "runs_months": "{reps} simulerade månader",
        "runs_months_short": "{reps} månader",
        "per_month_label": "{label}, per månad",
        "runs_periods_short": "{reps} perioder om {days} dagar",
        "runs_periods": "{reps} simulerade perioder om {days} dagar",
        "h_decision": "Beslutet i korthet",
        "decision_p_marketing": "chansen att marknad håller alla sina villkor en månad",
        "decision_p_sales": "chansen att sälj håller alla sina villkor en månad",
        "decision_p_joint": "chansen att båda parter håller dem samma månad",
        "decision_cost": "kostnad per månad (säljare och leads)",
        "decision_revenue": "intäkt per månad (affärer vunna inom månaden)",
        "decision_pipeline_value": (
            "förväntat värde av affärer som är öppna vid månadens slut (värde × vinstchans)"
        ),
        "decision_profit": (
            "förväntad vinst per månad: {margin} marginal × (intäkt + öppna affärer) − kostnad"
        ),
        "decision_p_marketing_months": "chansen att marknad håller alla sina villkor varje månad",
        "decision_p_sales_months": "chansen att sälj håller alla sina villkor varje månad",
        "decision_p_joint_months": "chansen att båda parter håller dem varje månad",
        "decision_p_marketing_weakest": "chansen att marknad håller alla sina villkor i sin svagaste månad ({month})",
        "decision_p_sales_weakest": "chansen att sälj håller alla sina villkor i sin svagaste månad ({month})",
        "decision_p_joint_weakest": "chansen att båda parter håller dem samma månad, i den svagaste månaden ({month})",
        "decision_cost_months": "kostnad för perioden (säljare och leads)",
        "decision_revenue_months": "intäkt för perioden (affärer vunna inom den)",
        "decision_pipeline_value_months": (
            "förväntat värde av affärer som är öppna vid periodens slut (värde × vinstchans)"
        ),
        "decision_profit_months": (
            "förväntad vinst för perioden: {margin} marginal × (intäkt + öppna affärer) − kostnad"
        ),
        "decision_money_range_months": (
            "medel {lo} – {hi} (95 % KI); 8 perioder av 10: {p10} – {p90}"
        ),
        "decision_money_range": "medel {lo} – {hi} (95 % KI); 8 månader av 10: {p10} – {p90}",
        "decision_p_marketing_period": (
            "chansen att marknad håller alla sina villkor en period om {days} dagar"
        ),
        "decision_p_sales_period": "chansen att sälj håller alla sina villkor en period om {days} dagar",
        "decision_p_joint_period": "chansen att båda parter håller dem samma period om {days} dagar",
        "decision_cost_period": (
            "kostnad per månad (säljare och leads; de {days} dagarna × 30,44/{days})"
        ),
        "decision_revenue_period": (
            "intäkt per månad (affärer vunna inom de {days} dagarna, × 30,44/{days})"
        ),
        "decision_pipeline_value_period": (
            "förväntat värde av affärer som är öppna efter de {days} dagarna (värde × vinstchans), "
            "× 30,44/{days}"
        ),
        "decision_profit_period": (
            "förväntad vinst per månad: {margin} marginal × (intäkt + öppna affärer) − kostnad"
        ),
        "decision_money_range_period": (
            "medel {lo} – {hi} (95 % KI); 8 perioder av 10: {p10} – {p90}"
        ),
        "decision_weakest_period": (
            "det svagaste villkoret är {term}, hållet {p} av perioderna om {days} dagar "
            "(krävs {confidence})."
        ),
        "headline_period": (
            "Chansen att en period om {days} dagar uppfyller avtalet: marknad {m}, sälj {s}, båda "
            "parter {j} (realistiskt när {rule})."
        ),
        "fig_p_met_period": (
            "Andel simulerade perioder om {days} dagar då varje villkor uppfylls, per kategori; "
            "streckad linje: den avtalade säkerhetsnivån."
        ),
        "axis_p_met_period": "andel perioder om {days} dagar uppfyllda",
        "decision_col_value": "förväntat",
        "decision_col_range": "spann",
        "h_decision_change": "Vad som skulle ändra svaret",
        "decision_weakest": "det svagaste villkoret är {term}, hållet {p} av månaderna (krävs {confidence}).",
        "decision_weakest_month": (
            "det svagaste villkoret är {term} i {month}, hållet i {p} av {many} (krävs "
            "{confidence} i varje månad)."
        ),
        "decision_sellers": "Säljare:",
        "h_appendix": "Bilaga: återskapa siffrorna",
        "file_placeholder": "FIL",
        "appendix_options": "; alternativens filer: {options}.",
        "appendix_option": "{file} för ”{name}”",
        "appendix_text": (
            "{runs}, slumpfrö {seed}. Samma kommando med samma slumpfrö och "
            "antal replikeringar simulerar exakt samma perioder och ger samma bedömning: "
            "{command}, där FIL är scenariofilen för ”{scenario}”."
        ),
        "footer": "Skapat med slasim {version} från scenariot ”{scenario}”.",
        "h_agreement": "1. Avtalet",
        "h_purpose": "Syfte",
        "purpose_text": (
            "Marknad och sälj kommer överens om vad som räknas som ett lead, hur många leads "
            "marknad levererar varje månad och hur snabbt och uthålligt sälj följer upp dem, så att "
            "leads bearbetas medan de fortfarande är varma och båda teamen mäts mot siffror de "
            "faktiskt kan nå. Avtalsperiod: {start} till {end} ({days} dagar, tidszon {tz})."
        ),
        "steps_intro": "Avtalet följer de tre stegen i ett bra servicenivåavtal:",
        "step1_lead": "Gemensamt överenskommet.",
        "step1": (
            "Båda teamen sätter villkoren tillsammans, utifrån underlaget i del 2, och skriver "
            "under nedan."
        ),
        "step2_lead": "Processen längs köpresan.",
        "step2": (
            "Varje steg från kontaktförfrågan till första kontaktförsök, kontakt, kvalificering "
            "(SQL), affärsmöjlighet och vunnen affär har en ägare och ett mål."
        ),
        "step3_lead": "Mätt och förbättrat.",
        "step3": (
            "Varje villkor mäts månadsvis ur CRM-systemet och följs upp i en fast rytm; villkoren "
            "ändras utifrån data, inte anekdoter."
        ),
        "h_definitions": "Leaddefinitioner",
        "definitions_text": (
            "Ett lead är en potentiell kund som bett att bli kontaktad (formulär, demoförfrågan, "
            "nedladdning, evenemang). Varje lead registreras i CRM-systemet med exakt en kategori:"
        ),
        "col_tier": "kategori",
        "col_volume": "förväntade leads per månad",
        "col_deal": "affärsstorlek (median)",
        "col_contact0": "nås vid samtal direkt",
        "col_qualify0": "kvalificeras vid kontakt direkt",
        "col_win": "vunna per affärsmöjlighet",
        "h_marketing": "Marknadens åtaganden",
        "marketing_text": (
            "Marknad levererar varje kalendermånad kvoten nedan av varje kategori, och varje lead "
            "registreras i CRM-systemet med kategori och källa. En kvot anges för en "
            "genomsnittlig månad (365,25 / 12 = 30,4375 dagar) och räknas om efter månadens "
            "dagar: en månad uppfyller den när dess antal når kvoten × dagar / 30,4375, avrundat "
            "uppåt till hela leads (tabellen anger hur många leads som behövs i en månad med 28, "
            "29, 30 och 31 dagar)."
        ),
        "col_quota": "kvot (leads per genomsnittlig månad)",
        "col_needed": "månad med {days} dagar",
        "quota_in_period": (
            "{n} under dessa {days} dagar ({quota} i månaden × {days}/30,4375, proportionellt, "
            "avrundat uppåt)"
        ),
        "col_cost_per_lead": "kostnad per lead",
        "h_sales": "Säljs åtaganden",
        "sales_text": (
            "Sälj följer upp varje lead: ett första kontaktförsök inom svarstidsmålet och därefter "
            "kontaktrytmen tills leadet nås eller fönstret stänger (högst {attempts} försök inom "
            "{window} dagar)."
        ),
        "col_response": "svarstid",
        "col_attempts": "kontaktförsök",
        "col_conversion": "konvertering",
        "response_term": "första försöket inom {target} {clock} för {share} av leadsen",
        "attempts_term": "minst {n} försök inom {window} dagar för {share} av leadsen som inte nåtts",
        "conversion_term": "minst {rate} av leadsen kvalificerade (SQL)",
        "no_term": "inget åtagande",
        "clock_business": "minuter inom kontorstid",
        "clock_wall": "minuter dygnet runt",
        "routing_text": "Väntande leads tas i denna ordning: {policy}.",
        "age_cutoff_text": (
            "Leads som inte fått något försök inom {minutes} minuter går tillbaka till marknad för "
            "vidare bearbetning."
        ),
        "h_measurement": "Så mäts varje villkor",
        "col_term": "villkor",
        "col_measure": "mäts som",
        "col_clock": "klocka",
        "col_period": "mätperiod",
        "col_source": "datakälla",
        "term_quota": "kvot",
        "term_response": "svarstid",
        "term_attempts": "kontaktrytm",
        "term_conversion": "konvertering",
        "measure_quota": (
            "skapade leads per kategori under månaden, mot kvoten × dagar / 30,4375"
        ),
        "measure_response": (
            "minuter från att leadet skapas till att det första loggade försöket påbörjas"
        ),
        "measure_attempts": (
            "loggade försök per lead som inte nåtts, räknat när dess försöksfönster har stängt"
        ),
        "measure_conversion": "kvalificerade leads (SQL) delat med skapade leads",
        "clock_calendar": "kalenderdagar",
        "period_month": "kalendermånad",
        "source_crm": "CRM-export: skapandetid, kategori, försök, utfall",
        "measurement_note": (
            "En part uppfyller avtalet en månad när den uppfyller varje villkor för varje "
            "kategori. Ett lead vars svarsfrist går ut efter månadens slut och som ännu inte fått "
            "något försök bedöms den månad fristen går ut."
        ),
        "h_review": "Uppföljning",
        "review_weekly_lead": "Varje vecka:",
        "review_weekly": "säljstöd delar svarstider och kontaktförsök per kategori.",
        "review_monthly_lead": "Varje månad:",
        "review_monthly": (
            "marknadschef och säljchef går tillsammans igenom utfallet per villkor; ett villkor "
            "som missas två månader i rad får en orsaksanalys, inte skuld."
        ),
        "review_quarterly_lead": "Varje kvartal:",
        "review_quarterly": (
            "villkoren kalibreras om mot senaste CRM-data och simuleras på nytt innan de ändras."
        ),
        "h_signatures": "Underskrifter",
        "sign_marketing": "För marknad (namn, datum):",
        "sign_sales": "För sälj (namn, datum):",
        "h_evidence": "2. Underlaget",
        "method_text": (
            "Varje siffra nedan kommer från {runs} av scenariot (händelsestyrd "
            "simulering; slumpfröet står i bilagan); intervallen är 95-procentiga konfidensintervall för "
            "medelvärdet. Avtalet kallas realistiskt när {rule} (sla.confidence_level = "
            "\u201d{level}\u201d)."
        ),
        "h_attainment": "Förväntat utfall och chansen att nå varje villkor",
        "headline": (
            "Chansen att en månad uppfyller avtalet: marknad {m}, sälj {s}, båda parter {j} "
            "(realistiskt när {rule})."
        ),
        "col_target": "mål",
        "col_expected": "förväntat",
        "col_p_met": "chans att nå",
        "not_measured": "mäts inte",
        "col_verdict": "bedömning",
        "realistic": "realistiskt",
        "not_realistic": "inte realistiskt",
        "fig_p_met": (
            "Andel simulerade månader då varje villkor uppfylls, per kategori; streckad linje: "
            "den avtalade säkerhetsnivån."
        ),
        "axis_p_met": "andel månader uppfyllda",
        "confidence_label": "säkerhetsnivå {c}",
        "h_kpis": "Den förväntade månaden",
        "kpi_note": (
            "Medelvärde över {runs}; antal och belopp per månad (en "
            "genomsnittlig månad om 30,44 dagar, som scenariots volymer och kostnader), andelar "
            "och tider som simulerat; kolumnen för alla kategorier visar även ± halva "
            "bredden av 95-procentigt konfidensintervall."
        ),
        "h_queue": "Kön",
        "queue_note": (
            "Väntan så som ett kontaktcenter läser den, per skapad lead: väntan räknas från att "
            "leaden skapas till första försöket (minuter dygnet runt); ett kort avhopp ger upp "
            "inom {short} s; servicenivån är andelen med ett första försök inom kategorins "
            "svarstidsmål på respektive klocka, där leads som gav upp räknas som missar. Endast "
            "information: inget av detta är ett villkor i avtalet. ”–”: ingen sådan lead "
            "(t.ex. gav ingen upp)."
        ),
        "col_metric": "mått",
        "col_all": "alla kategorier",
        "h_funnel": "Tratten",
        "funnel_text": (
            "Förväntat antal leads i varje steg per månad, per kategori. Bara affärer som avslutas "
            "inom månaden räknas som vunna; senare affärer syns som förväntat värde av öppna "
            "affärsmöjligheter."
        ),
        "stage_leads": "skapade leads",
        "stage_contacted": "nådda",
        "stage_qualified": "kvalificerade (SQL)",
        "stage_opportunity": "affärsmöjligheter",
        "stage_won": "vunna",
        "fig_funnel": "Förväntat antal leads per månad i varje steg, per kategori (logaritmisk skala).",
        "axis_leads_per_month": "leads per månad",
        "h_response": "Svarstider mot målen",
        "fig_response": (
            "Andel leads med ett första försök inom t minuter, per kategori; punkter: utlovad "
            "andel vid kategorins mål (streckad linje, märkt med målet). Axeln går till det "
            "långsammaste första försöket, ofta en lead som kom in före en helg. Varje lead "
            "räknas, även en som aldrig fick ett försök, så kurvorna ligger lite under "
            "tabellens andelar, som utelämnar leads som fortfarande är öppna vid månadens slut."
        ),
        "axis_response": "svarstid ({clock}, logaritmisk skala)",
        "axis_share_attempted": "andel leads med försök",
        "h_decay": "Hur snabbt leads kallnar: avklingningskurvorna",
        "decay_contact": "Kontakt: {curve}.",
        "decay_qualify": "Kvalificering: {curve}.",
        "decay_source": "Källa: {source}",
        "decay_own": "definierad i scenariofilen",
        "decay_caveat": (
            "Publicerade svarstidsstudier jämför grupper av svarstider; deras kvoter är "
            "observationer, inte orsakssamband."
        ),
        "curve_flat": "ingen avklingning",
        "curve_exponential": "halveras var {half_life}:e minut, ned till {floor} av startvärdet",
        "curve_power_law": "potenslag med skala {scale} minuter och exponent {exponent}, golv {floor}",
        "curve_table": "tabell med faktorer: {points}",
        "curve_point": "×{factor} vid {age} min",
        "fig_decay": (
            "Faktor på sannolikheten för kontakt och kvalificering efter leadets ålder vid "
            "försöket (logaritmisk skala)."
        ),
        "axis_age": "leadets ålder vid försöket (minuter)",
        "axis_multiplier": "faktor f(ålder)",
        "label_contact": "kontakt",
        "label_qualify": "kvalificering",
        "h_staffing": "Hur många säljare avtalet kräver",
        "staffing_text": (
            "Det minsta antalet säljare som gör det bemanningen styr realistiskt (säljsidan; "
            "varje säljvillkor vid konfidensnivå ”term”; avtalet vid ”joint”), per "
            "fördelningsregel: varje bemanning simuleras på samma {runs} (alla pass "
            "ändras tillsammans, en säljare i taget). Köteori (Erlang C, i slasim plan) ger en "
            "referens för en kö i jämvikt som bortser från måndagens kö och upprepade försök "
            "(fler säljare) och prioriteringar och tålamod (färre); detta är det simulerade "
            "svaret."
        ),
        "col_sellers": "säljare",
        "col_p_marketing": "marknad håller sina villkor",
        "col_p_sales": "sälj håller sina villkor",
        "col_p_joint": "båda parter",
        "fewest": "Med turordningen {policy}: minsta antal säljare som gör avtalet realistiskt "
                  "är {total} ({per}).",
        "fewest_sales": "Med turordningen {policy}: minsta antal säljare som gör säljsidan "
                        "realistisk är {total} ({per}); marknadens villkor uppfylls ändå inte "
                        "(säljare ändrar dem inte).",
        "fewest_sales_terms": "Med turordningen {policy}: minsta antal säljare som gör varje "
                              "säljvillkor realistiskt är {total} ({per}); marknadens villkor "
                              "uppfylls ändå inte (säljare ändrar dem inte).",
        "fewest_none": "Med turordningen {policy}: inte realistiskt med upp till {most} säljare.",
        "fewest_blocking": "Bemanning räcker inte; svagaste villkoren vid flest säljare: "
                           "{weakest}.",
        "fig_staffing": (
            "Andel månader då sälj håller alla sina villkor, efter antal säljare, per "
            "fördelningsregel; streckad linje: avtalad säkerhetsnivå; skuggat: i dag."
        ),
        "axis_sellers_total": "säljare (alla pass)",
        "axis_p_sales": "andel månader sälj håller sina villkor",
        "label_sales_policy": "sälj: {policy}",
        "label_joint_policy": "båda parter: {policy}",
        "axis_p_joint": "andel månader båda parter håller sina villkor",
        "fig_staffing_period": (
            "Andel perioder om {days} dagar då sälj håller alla sina villkor, efter antal "
            "säljare, per fördelningsregel; streckad linje: avtalad säkerhetsnivå; skuggat: i dag."
        ),
        "axis_p_sales_period": "andel perioder om {days} dagar sälj håller sina villkor",
        "axis_p_joint_period": "andel perioder om {days} dagar båda parter håller sina villkor",
        "fig_staffing_months": (
            "Chansen att sälj håller alla sina villkor i periodens svagaste månad (varje månad "
            "måste nå avtalad säkerhetsnivå), efter antal säljare, per fördelningsregel; "
            "streckad linje: avtalad säkerhetsnivå; skuggat: i dag. Tabellens kolumner är "
            "chansen att hålla dem varje månad."
        ),
        "axis_p_sales_months": "sälj håller sina villkor, svagaste månaden",
        "axis_p_joint_months": "båda parter håller sina villkor, svagaste månaden",
        "h_options": "Jämförelse av alternativ",
        "options_text": (
            "Varje alternativ simuleras på samma {runs} av leads (gemensamma slumptal), så "
            "skillnaderna mot ”{base}” är parvisa och deras konfidensintervall snäva."
        ),
        "col_option": "alternativ",
        "col_item": "rad",
        "col_difference": "skillnad mot {base} (95 % KI)",
        "unit_pp": "p.e.",
        "pp_note": (
            "Skillnader i andelar och chanser anges i procentenheter (p.e.): från 50 % till 55 % "
            "är +5 p.e."
        ),
        "row_sellers": "säljare (alla pass)",
        "row_routing": "fördelning av leads",
        "row_term": "{tier}: {term}",
        "fig_options": (
            "Förväntat resultat per månad och chansen att båda parter uppfyller avtalet, per "
            "alternativ, med 95-procentiga konfidensintervall."
        ),
        "axis_profit": "resultat per månad ({currency})",
        "axis_joint": "chans att båda parter når avtalet",
        # --- uppföljningens översikt (slasim track) --------------------------------------------
        "track_title": "Uppföljning av servicenivåavtalet: {agreement}",
        "track_header": (
            "avtal ”{agreement}”; intervall från {reps} simulerade månader per uppföljd månad "
            "(slumpfrö {seed}); exporttid {as_of}"
        ),
        "track_band_note": (
            "Ett intervall rymmer 80 % av de simulerade månaderna: ett utfall utanför det då och "
            "då är väntat; samma mått utanför månad efter månad, eller långt utanför, är "
            "signalen."
        ),
        "track_complete": "{label}: hel månad ({days} dagar), {leads} leads",
        "track_partial": (
            "{label}: OFULLSTÄNDIG månad, exporten slutar {cutoff} ({elapsed} av {days} dagar), "
            "{leads} leads; kvoterna räknas om till {fraction}, intervallen kommer från "
            "simulerade månader avbrutna vid samma tidpunkt (ange --as-of för exporttiden)"
        ),
        "track_not_measurable": "Går inte att mäta ur denna export: {measures}.",
        "track_cap_tiers": "Utfall mot mål per kategori",
        "track_tiers_band": (
            "läge: var utfallet hamnar mot månadens simulerade p10–p90-intervall"
        ),
        "track_cap_terms": "Avtalets villkor",
        "track_h_sellers": "Säljare",
        "track_h_seller_bands": "Säljare mot de simulerade platserna",
        "track_seller_bands_note": (
            "Varje ägares värde, med det simulerade p10–p90 för samma mått över alla platser i "
            "alla simulerade månader inom hakparentes (ägda leads: en plats andel skalad till "
            "exportens leads per ägare); över / under markerar ett värde utanför. Underlag för "
            "ett samtal, inte ett omdöme om säljaren."
        ),
        "track_m_leads_owned": "ägda leads",
        "track_cap_all": "Alla kategorier",
        "track_small_note": (
            "Andelarna vilar på antalen bredvid dem; inom parentes 95-procentigt "
            "Wilsonintervall. Med färre än {n} leads (markerade med *) säger en andel lite i sig: "
            "jämför intervall, inte placeringar. Säljarna visas efter volym."
        ),
        "track_fig_title": "{period}: utfall mot mål och simulerat intervall",
        "track_fig_alt": (
            "{period}: utfall (punkter) mot mål (streckat) och simulerat p10–p90-intervall "
            "(staplar) per kategori"
        ),
        "track_fig_caption": (
            "Punkt: utfall. Stapel: månadens simulerade p10–p90. Streckad linje: mål."
        ),
        "track_sim_band": "simulerat p10–p90",
        "track_col_actual": "utfall",
        "track_col_met": "uppfyllt",
        "track_col_band": "läge",
        "track_col_sim_p_met": "simulerad chans att nå",
        "track_col_owner": "ägare",
        "track_col_leads": "leads",
        "track_col_within": "första försök inom målet",
        "track_col_attempts": "försök/lead",
        "track_col_contacted": "nådda",
        "track_col_qualified": "kvalificerade",
        "track_col_won": "vunna",
        "track_yes": "ja",
        "track_no": "NEJ",
        "track_band_below": "under",
        "track_band_inside": "inom",
        "track_band_above": "över",
        "track_band_na": "ej mätbart",
        "track_unassigned": "(ingen ägare)",
        "track_term_marketing": "marknad",
        "track_term_response": "svarstid",
        "track_term_attempts": "kontaktrytm",
        "track_term_conversion": "konvertering",
        "track_term_sales": "sälj",
        "track_term_joint": "båda parter",
        "track_target_quota": "minst {quota} leads",
        "track_target_sides": "alla kategoriers villkor",
        "track_target_joint": "marknad och sälj",
        "track_m_leads_created": "levererade leads",
        "track_m_first_attempt_within_target": "andel med försök inom målet",
        "track_m_response_minutes_p90": "svarstid p90 (minuter dygnet runt)",
        "track_m_response_business_minutes_p90": "svarstid p90 (minuter inom kontorstid)",
        "track_m_qualify_rate": "andel kvalificerade",
        "track_m_win_rate": "andel vunna",
        "track_m_won_deals": "vunna affärer",
        # --- a horizon of several months (slasim.render.report.months) ---------------------------
        "h_months_terms": "Villkor månad för månad",
        "months_terms_text": (
            "Avtalet bedöms månad för månad: var och en av periodens {n} kalendermånader har "
            "sina egna villkor. En månads kvot är proportionell mot de dagar av månaden som "
            "perioden täcker (kvot × dagar / 30,4375, avrundat uppåt: en kort månad kräver "
            "färre leads och en "
            "del av en månad sin andel); övriga villkor är desamma varje månad."
        ),
        "h_months": "Månad för månad",
        "months_text": (
            "Chansen att varje villkor (och varje parts villkor tillsammans) uppfylls under "
            "var och en av de {n} månaderna, och under alla periodens månader. Avtalet är "
            "realistiskt när varje månad når {confidence} (“{mark}” markerar en månad under kravet); sista "
            "kolumnen, chansen att en simulerad period håller villkoret alla månader, "
            "redovisas men krävs inte."
        ),
        "below_mark": "(under)",
        "quota_per_month": "{quota} i månaden (proportionellt per månad)",
        "headline_months": (
            "Chansen att varje månad under perioden uppfyller avtalet: marknad {m}, sälj {s}, "
            "båda parter {j} (realistiskt när {rule})."
        ),
        "col_p_every_month": "chans att uppfyllas varje månad",
        "col_every_month": "alla månader",
        "col_won_in": "affärer vunna i",
        "col_mean": "medel",
        "fig_months": (
            "Andel simulerade perioder där varje part håller alla sina villkor, månad för "
            "månad; streckad linje: den avtalade konfidensen."
        ),
        "revenue_text": (
            "Intäkter från affärer vunna inom perioden, efter den månad de avslutas, och för "
            "hela perioden (spridningen över simulerade perioder). Affärsmöjligheter som "
            "fortfarande är öppna vid slutet ingår inte: deras förväntade värde är {pipeline}."
        ),
        "axis_revenue": "vunna intäkter ({currency})",
        "fig_revenue": (
            "Intäkter från vunna affärer per månad och för hela perioden: stapel från 10:e "
            "till 90:e percentilen av de simulerade perioderna, streck vid medianen, punkt "
            "vid medelvärdet."
        ),
    }
)

TEXTS: Mapping[str, Mapping[str, str]] = MappingProxyType({"en": EN, "sv": SV})


class MissingTextError(KeyError):
    """A text key has no translation in the requested language (a bug, not a user error)."""


def tr(lang: str, key: str) -> str:
    """The text ``key`` in ``lang``; raises :class:`MissingTextError` when it is missing.

    ``m_<metric>`` is the metric's label from the catalogue (:mod:`slasim.measure.catalogue`), the one
    home of metric labels; ``policy_<name>`` the routing policy's from the routing registry
    (:mod:`slasim.model.routing`).
    """
    if key.startswith("m_") and key[2:] in CATALOGUE and lang in TEXTS:
        return CATALOGUE[key[2:]].label[lang]
    if key.startswith("policy_") and lang in TEXTS:  # the routing registry holds the labels
        return router_label(key.removeprefix("policy_"), lang)
    try:
        return TEXTS[lang][key]
    except KeyError:
        raise MissingTextError(f"no {lang!r} text for key {key!r}") from None


#: Measures that ``slasim track`` names (tables, panels, seller bands), in display order. A
#: ``track_m_<measure>`` text holds a name that differs from the catalogue's (shorter, or the
#: export's word); every other measure is named by its catalogue label (``m_<measure>``).
TRACK_MEASURES: tuple[str, ...] = ("leads_owned", *TRACKED)  # a seller's leads, then the tier's


def measure_label(lang: str, measure: str) -> str:
    """The name of a tracked measure in ``lang``: its ``track_m_`` text, else the catalogue's."""
    key = f"track_m_{measure}"
    return tr(lang, key if key in TEXTS.get(lang, {}) else f"m_{measure}")
