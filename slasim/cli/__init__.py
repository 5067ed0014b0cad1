"""The ``slasim`` command line: one module per command group and the shared arguments.

May import: every other folder.
"""
