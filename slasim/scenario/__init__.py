"""The scenario: its schema (pydantic), loading (``extends``, ``--set``, provenance),
starter templates, sweep grids over ``--set`` paths and TOML writing.

May import: ``slasim.model`` and the foundation modules.
"""
