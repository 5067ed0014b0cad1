"""Scenario-level answers without a search: ``check`` (queueing-theory cross-checks),
``plan`` (sellers per shift, quotas for a goal), the simulated staffing search and P(goal).

May import: ``slasim.analytic``, ``slasim.model``, ``slasim.scenario``, ``slasim.engine``,
``slasim.measure`` and the foundation modules.
"""
