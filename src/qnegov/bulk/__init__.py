"""Streaming bulk validation of register files: every error, flat memory, all cores.

``validate_file(path, "citizen", jobs=0)`` checks a register of any size (``.xml`` or
``.xml.gz``) against an XSD and its record element, plus rules beyond XSD, and returns a
:class:`~qnegov.report.Report`; :func:`iter_issues` streams the same issues as they are found.
The shipped registers have typed models that stream both ways (:func:`iter_records`,
:func:`write_records`), and :func:`generate` writes realistic test registers with seeded errors.
"""

from qnegov.bulk._engine import SHIPPED_SCHEMAS, iter_issues, validate_file
from qnegov.bulk._generate import CITIZEN_KINDS, HOUSEHOLD_KINDS, SeededError, generate, read_truth
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
from qnegov.bulk._rules import FileRule, Finding, Record, RecordRule, UniqueKey, record_rule

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
    "write_records",
]
