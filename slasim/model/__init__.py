"""Domain models with no scenario behind them: the business calendar, lead decay curves,
sellers over time (hires, ramp, attrition) and rosters.

May import: the foundation modules (``slasim.errors``, ``slasim.limits``, ``slasim.outputs``).
"""
