"""Issues and reports: what every validator in qnegov returns instead of raising.

An :class:`Issue` is one finding, located as precisely as the validator can (file, line, column,
XPath-like path, record index). A :class:`Report` collects issues, keeps counts even when told not
to keep the issues themselves (bulk validation of millions of records), and decides validity and
the CLI exit code. Severity can be overridden per issue code by an acceptance policy, so a
province can treat a deviation as a warning while another rejects it.

Every issue code is registered with :func:`issue_code` next to the code that emits it; the docs
test checks each registered code is explained in ``docs/issues.md``.
"""

from __future__ import annotations

import enum
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Final

from qnegov._i18n import tr
from qnegov.errors import QnegovError, XMLError

__all__ = [
    "DEFAULT_MAX_ISSUES_PER_CODE",
    "Issue",
    "IssueCode",
    "Report",
    "Severity",
    "cap_issues",
    "issue_code",
    "issue_from_error",
    "registered_issue_codes",
]


class Severity(enum.StrEnum):
    """How bad an issue is. ``fatal`` means the input could not be read at all."""

    FATAL = "fatal"
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def blocks(self) -> bool:
        """Whether an issue of this severity makes the input invalid."""
        return self in (Severity.FATAL, Severity.ERROR)

    def label(self) -> str:
        """The severity word in the current language."""
        return _SEVERITY_LABELS[self]()


_SEVERITY_LABELS: Final = {
    Severity.FATAL: lambda: tr("fatal"),
    Severity.ERROR: lambda: tr("error"),
    Severity.WARNING: lambda: tr("warning"),
    Severity.INFO: lambda: tr("info"),
}


@dataclass(frozen=True, slots=True)
class IssueCode:
    """A registered issue code with a one-line English summary (the docs expand on it)."""

    code: str
    summary: str
    area: str


_REGISTRY: dict[str, IssueCode] = {}


def issue_code(code: str, summary: str, *, area: str) -> str:
    """Register ``code`` (idempotent for the same summary) and return it, to use as a constant."""
    known = _REGISTRY.get(code)
    if known is not None and (known.summary, known.area) != (summary, area):
        raise ValueError(f"issue code {code!r} registered twice with different meanings")
    _REGISTRY[code] = IssueCode(code, summary, area)
    return code


def registered_issue_codes() -> dict[str, IssueCode]:
    """Every issue code registered by the modules imported so far."""
    return dict(_REGISTRY)


XML_SYNTAX = issue_code("xml_syntax", "The file is not well-formed XML.", area="xml")
UNSAFE_XML = issue_code(
    "unsafe_xml",
    "The file holds a hostile construct (DTD, entity, excessive depth or size).",
    area="xml",
)
UNREADABLE_INPUT = issue_code("unreadable_input", "The file could not be read.", area="xml")
ISSUES_CAPPED = issue_code(
    "issues_capped",
    "More issues of one code in one file than the cap; the rest are counted, not listed.",
    area="xml",
)
DEFAULT_MAX_ISSUES_PER_CODE: Final = 1000
"""How many issues of one code one file may list: a hostile file with 40,000 bad attributes
must not produce 40,000 lines of output."""


@dataclass(frozen=True, slots=True)
class Issue:
    """One finding. ``path`` is an XPath-like location, ``record`` a 0-based record index."""

    code: str
    severity: Severity
    message: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    path: str | None = None
    record: int | None = None
    rule: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready mapping; absent locations are ``None``."""
        data = asdict(self)
        data["severity"] = self.severity.value
        return data

    @property
    def location(self) -> str:
        """``file:line:column`` with the unknown parts left out."""
        parts = [p for p in (self.file, self.line, self.column) if p is not None]
        return ":".join(str(p) for p in parts)


def issue_from_error(error: QnegovError, *, file: str | None = None) -> Issue:
    """An :class:`Issue` for an error that stopped the reading of a file.

    XML and input errors are ``fatal`` (exit code 3); any other error is an ordinary ``error``.
    """
    fatal = isinstance(error, XMLError | OSError)
    return Issue(
        code=error.code,
        severity=Severity.FATAL if fatal else Severity.ERROR,
        message=error.message,
        file=error.file or file,
        line=error.line,
        column=error.column,
    )


def cap_issues(issues: Iterable[Issue], limit: int | None) -> list[Issue]:
    """The first ``limit`` issues of each (file, code), then one ``issues_capped`` summary per
    capped pair saying how many more there were (``limit=None``: every issue)."""
    if limit is None:
        return list(issues)
    kept: list[Issue] = []
    seen: Counter[tuple[str | None, str]] = Counter()
    for issue in issues:
        key = (issue.file, issue.code)
        seen[key] += 1
        if seen[key] <= limit:
            kept.append(issue)
    for (file, code), count in seen.items():
        if count > limit:
            kept.append(
                Issue(
                    ISSUES_CAPPED,
                    Severity.INFO,
                    tr(
                        "{more} more {code} issues in this file are not listed "
                        "(at most {limit} per code)",
                        more=count - limit,
                        code=code,
                        limit=limit,
                    ),
                    file=file,
                    rule=code,
                )
            )
    return kept


@dataclass
class Report:
    """The findings of one validation run over one or more files.

    ``policy`` maps issue codes to the severity this run wants for them. With
    ``keep_issues=False`` only counts are kept: renderers that stream get the issues as they come.
    """

    files: list[str] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    policy: Mapping[str, Severity] = field(default_factory=dict)
    keep_issues: bool = True
    started: float = field(default_factory=time.perf_counter)
    elapsed: float | None = None
    by_severity: Counter[Severity] = field(default_factory=Counter)
    by_code: Counter[str] = field(default_factory=Counter)
    invalid_files: set[str] = field(default_factory=set)
    records: dict[str, int] = field(default_factory=dict)
    """Records checked per register file (the bulk validator's count; other files have none)."""

    def add(self, issue: Issue) -> Issue:
        """Record ``issue`` (with the policy's severity applied) and return what was recorded."""
        wanted = self.policy.get(issue.code)
        if wanted is not None and wanted is not issue.severity:
            issue = replace(issue, severity=wanted)
        self.by_severity[issue.severity] += 1
        self.by_code[issue.code] += 1
        if issue.severity.blocks and issue.file is not None:
            self.invalid_files.add(issue.file)
        if self.keep_issues:
            self.issues.append(issue)
        return issue

    def extend(self, issues: Iterable[Issue]) -> None:
        """Record every issue of ``issues``."""
        for issue in issues:
            self.add(issue)

    def merge(self, other: Report) -> None:
        """Fold another report (for other files) into this one."""
        self.files.extend(f for f in other.files if f not in self.files)
        self.extend(other.issues)
        if not other.keep_issues:  # counts only: take them as they are
            self.by_severity.update(other.by_severity)
            self.by_code.update(other.by_code)
            self.invalid_files |= other.invalid_files
        self.records.update(other.records)

    def finish(self) -> Report:
        """Stop the clock; returns ``self`` for chaining."""
        self.elapsed = time.perf_counter() - self.started
        return self

    @property
    def valid(self) -> bool:
        """No fatal or error issue was found."""
        return not (self.by_severity[Severity.FATAL] or self.by_severity[Severity.ERROR])

    @property
    def error_count(self) -> int:
        """Fatal plus error issues."""
        return self.by_severity[Severity.FATAL] + self.by_severity[Severity.ERROR]

    @property
    def warning_count(self) -> int:
        """Warnings."""
        return self.by_severity[Severity.WARNING]

    @property
    def record_count(self) -> int | None:
        """Records checked over every register file, or None when no register was checked."""
        return sum(self.records.values()) if self.records else None

    @property
    def exit_code(self) -> int:
        """The documented CLI exit code: 3 unreadable/unsafe, 1 invalid, 0 ok."""
        if self.by_severity[Severity.FATAL]:
            return 3
        return 0 if self.valid else 1

    def summary(self) -> dict[str, Any]:
        """Counts, validity and timing as a JSON-ready mapping (``records`` only when a register
        was checked)."""
        records = {} if self.record_count is None else {"records": self.record_count}
        return {
            "valid": self.valid,
            "files": len(self.files),
            "invalid_files": len(self.invalid_files),
            **records,
            "errors": self.error_count,
            "warnings": self.warning_count,
            "by_severity": {s.value: self.by_severity[s] for s in Severity if self.by_severity[s]},
            "by_code": dict(sorted(self.by_code.items())),
            "elapsed_seconds": None if self.elapsed is None else round(self.elapsed, 6),
        }
