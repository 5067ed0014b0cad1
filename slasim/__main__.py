"""``python -m slasim`` is the ``slasim`` command."""

import sys

from slasim.cli.main import main

sys.exit(main())
