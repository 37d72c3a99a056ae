"""Streaming bulk validation of register files: every error, flat memory, all cores.

``validate_file(path, "citizen", jobs=0)`` checks a register of any size (``.xml`` or
``.xml.gz``) against an XSD and its record element, plus rules beyond XSD, and returns a
:class:`~qnegov.report.Report`; :func:`iter_issues` streams the same issues as they are found,
and :func:`validate_files` runs many files at once. ``client=`` (extra ``qnegov[dask]``) runs
the same work on a Dask cluster.
The shipped registers have typed models that stream both ways (:func:`iter_records`,
:func:`write_records`), and :func:`generate` writes realistic test registers with seeded errors.

Names are imported on first use, so a worker process that only validates never loads the
pydantic models and the generator.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from qnegov.bulk._engine import (
        SHIPPED_SCHEMAS,
        iter_issues,
        validate_file,
    )
    from qnegov.bulk._generate import (
        CITIZEN_KINDS,
        HOUSEHOLD_KINDS,
        SeededError,
        generate,
        read_truth,
    )
    from qnegov.bulk._many import validate_files
    from qnegov.bulk._records import (
        Address,
        CitizenRecord,
        HouseholdMember,
        HouseholdRecord,
        RegisterHeader,
        Relative,
        iter_records,
        write_records,
    )
    from qnegov.bulk._rules import (
        FileRule,
        Finding,
        Record,
        RecordRule,
        UniqueKey,
        record_rule,
    )

__all__ = [
    "CITIZEN_KINDS",
    "HOUSEHOLD_KINDS",
    "SHIPPED_SCHEMAS",
    "Address",
    "CitizenRecord",
    "FileRule",
    "Finding",
    "HouseholdMember",
    "HouseholdRecord",
    "Record",
    "RecordRule",
    "RegisterHeader",
    "Relative",
    "SeededError",
    "UniqueKey",
    "generate",
    "iter_issues",
    "iter_records",
    "read_truth",
    "record_rule",
    "validate_file",
    "validate_files",
    "write_records",
]

_LAZY: dict[str, str] = {
    "SHIPPED_SCHEMAS": "qnegov.bulk._engine",
    "iter_issues": "qnegov.bulk._engine",
    "validate_file": "qnegov.bulk._engine",
    "validate_files": "qnegov.bulk._many",
    "CITIZEN_KINDS": "qnegov.bulk._generate",
    "HOUSEHOLD_KINDS": "qnegov.bulk._generate",
    "SeededError": "qnegov.bulk._generate",
    "generate": "qnegov.bulk._generate",
    "read_truth": "qnegov.bulk._generate",
    "Address": "qnegov.bulk._records",
    "CitizenRecord": "qnegov.bulk._records",
    "HouseholdMember": "qnegov.bulk._records",
    "HouseholdRecord": "qnegov.bulk._records",
    "RegisterHeader": "qnegov.bulk._records",
    "Relative": "qnegov.bulk._records",
    "iter_records": "qnegov.bulk._records",
    "write_records": "qnegov.bulk._records",
    "FileRule": "qnegov.bulk._rules",
    "Finding": "qnegov.bulk._rules",
    "Record": "qnegov.bulk._rules",
    "RecordRule": "qnegov.bulk._rules",
    "UniqueKey": "qnegov.bulk._rules",
    "record_rule": "qnegov.bulk._rules",
}


def __getattr__(name: str) -> Any:
    """Import a public name from its private module on first use, then keep it."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'qnegov.bulk' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
