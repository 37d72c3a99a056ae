"""Where the shipped XSDs live, in a wheel and in a source checkout alike.

The wheel carries the repository's ``schemas/`` folder as ``qnegov/schemas``; an editable or
source-tree run has no such folder inside the package, so the repository root is used instead.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from qnegov._i18n import tr
from qnegov.errors import SchemaError

__all__ = ["schema_path", "schemas_dir"]

_PACKAGE = Path(__file__).resolve().parent


@cache
def schemas_dir() -> Path:
    """The folder holding qnegov's XSDs (``edxml/``, ``records/``...)."""
    inside = _PACKAGE / "schemas"
    if inside.is_dir():
        return inside
    checkout = _PACKAGE.parent.parent / "schemas"
    if checkout.is_dir():
        return checkout
    raise SchemaError(tr("qnegov's schemas folder is missing from this installation"))


def schema_path(relative: str) -> Path:
    """The path of a shipped schema, e.g. ``schema_path("edxml/qcvn102-2016/strict/edxml.xsd")``."""
    path = schemas_dir() / relative
    if not path.is_file():
        raise SchemaError(tr("no shipped schema named {name}", name=relative), file=str(path))
    return path
