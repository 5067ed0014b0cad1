"""CRM and call-centre exports in and out: the format, a lossless import that accounts for
every line, the Olist reader and the simulated-export writers.

May import: ``slasim.crm._stats``, ``slasim.model``, ``slasim.scenario``, ``slasim.engine`` and
the foundation modules.
"""
