"""Tracking a real month: actuals from an export against the agreed terms and the
simulated bands, per period and per seller.

May import: ``slasim.crm.io``, ``slasim.crm._stats``, ``slasim.model``, ``slasim.scenario``,
``slasim.engine``, ``slasim.measure`` and the foundation modules.
"""
