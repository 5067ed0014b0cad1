"""Everything a user reads: locale and texts (en, sv), document blocks rendered to HTML and
Markdown (the agreement report and the tracking dashboard), the terminal text, figures.

May import: ``slasim.analytic``, ``slasim.model``, ``slasim.scenario``, ``slasim.engine``,
``slasim.measure``, ``slasim.planning``, ``slasim.crm`` and the foundation modules.
"""
