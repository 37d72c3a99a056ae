"""The ``qnegov`` command. Only this package prints; nothing in the library imports it."""

from qnegov.cli._main import main

__all__ = ["main"]
