"""``python -m slasim`` is the ``slasim`` command."""

from slasim.cli.main import run

run()
