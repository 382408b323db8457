"""``python -m model`` runs the ``streetwise`` command line."""

import sys

from model.cli import main

sys.exit(main())
