"""The ``qnegov`` command. Only this package prints; nothing in the library imports it."""

from __future__ import annotations

import sys
from collections.abc import Sequence

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``qnegov`` (see :func:`qnegov.cli._main.main`).

    ``qnegov --version`` alone answers before the parser is built: it is what scripts run to
    see whether the tool is there, and it should cost little more than starting Python.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    if args == ["--version"]:
        from qnegov._version import __version__

        sys.stdout.write(f"qnegov {__version__}\n")
        return 0
    from qnegov.cli._main import main as run

    return run(args)
