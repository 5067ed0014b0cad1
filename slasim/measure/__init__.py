"""From records to evidence: the term registry and the one verdict, the metric catalogue,
per-replication metrics, experiments (``simulate``, ``compare``, ``sweep``) and their executors.

May import: ``slasim.model``, ``slasim.scenario``, ``slasim.engine`` and the foundation modules.
"""
