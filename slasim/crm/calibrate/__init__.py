"""Calibration: estimates with intervals from an imported export, and the scenario
overlay they give (decay, arrivals, funnel, talk and wrap-up, patience, roster, propensity).

May import: ``slasim.crm.io``, ``slasim.crm._stats``, ``slasim.model``, ``slasim.scenario``,
``slasim.engine``, ``slasim.measure`` and the foundation modules.
"""
