"""``python -m slasim`` is the ``slasim`` command."""

import sys

from slasim.cli import main

sys.exit(main())
