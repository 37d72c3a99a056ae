"""Streaming bulk validation of register files: every error, flat memory, all cores."""

from qnegov.bulk._engine import SHIPPED_SCHEMAS, iter_issues, validate_file
from qnegov.bulk._rules import FileRule, Finding, Record, RecordRule, UniqueKey, record_rule

__all__ = [
    "SHIPPED_SCHEMAS",
    "FileRule",
    "Finding",
    "Record",
    "RecordRule",
    "UniqueKey",
    "iter_issues",
    "record_rule",
    "validate_file",
]
