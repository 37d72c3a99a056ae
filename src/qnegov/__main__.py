"""``python -m qnegov`` runs the command-line interface."""

import sys

from qnegov.cli import main

sys.exit(main())
