"""``python -m qnegov.exchange.hub serve --db PATH ...``."""

import sys

from qnegov.exchange.hub._serve import main

sys.exit(main())
