"""The clients need only the core dependencies: the hub's server stack stays behind its extra."""

from __future__ import annotations

import subprocess
import sys


def test_clients_do_not_import_the_hub_stack() -> None:
    code = (
        "import sys, qnegov, qnegov.exchange\n"
        "from qnegov.cli._main import build_parser; build_parser()\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('starlette', 'uvicorn')"
        " or m.startswith('qnegov.exchange.hub'))\n"
        "print(','.join(bad))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""
