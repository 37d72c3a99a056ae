"""Report renderers shared by every validator: human text, JSON lines, JUnit XML, SARIF 2.1.0.

Each renderer has the same three calls, ``start()``, ``issue(i)`` once per finding, and
``finish(report)``, so a bulk run can stream issues as it finds them. Text and JSON lines write
each issue at once; JUnit and SARIF are whole documents and write everything at ``finish``.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path
from typing import IO, Any, Final, Protocol

from qnegov._i18n import tr
from qnegov._version import __version__
from qnegov.report import Issue, Report, Severity, registered_issue_codes

__all__ = ["FORMATS", "Renderer", "make_renderer", "render"]

FORMATS: Final = ("text", "json", "junit", "sarif", "html")
_TOOL_URI: Final = "https://pypi.org/project/qnegov/"
# the characters XML 1.0 forbids, listed (the negated class of the allowed ones took tens of
# milliseconds to compile, at every start of the CLI)
_NOT_XML_CHAR: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_safe(text: str) -> str:
    """Messages may quote hostile bytes; characters XML 1.0 forbids become U+FFFD."""
    return _NOT_XML_CHAR.sub("\ufffd", text)


def escape(text: str) -> str:
    from xml.sax.saxutils import escape as _escape  # imports urllib: not at CLI start-up

    return _escape(_xml_safe(text))


def quoteattr(text: str) -> str:
    from xml.sax.saxutils import quoteattr as _quoteattr

    return _quoteattr(_xml_safe(text))


class Renderer(Protocol):
    """Turns issues and a finished report into one output format on a text stream."""

    def start(self) -> None: ...

    def issue(self, issue: Issue) -> None: ...

    def finish(self, report: Report) -> None: ...


class TextRenderer:
    """``file:line:col: severity [code] message`` lines, then a one-line summary."""

    def __init__(self, out: IO[str], *, quiet: bool = False) -> None:
        self._out = out
        self._quiet = quiet

    def start(self) -> None:
        pass

    def issue(self, issue: Issue) -> None:
        if self._quiet and not issue.severity.blocks:
            return
        where = issue.location or "-"
        extras = []
        if issue.record is not None:
            extras.append(tr("record {n}", n=issue.record))
        if issue.path:
            extras.append(issue.path)
        if issue.rule:
            extras.append(tr("rule {rule}", rule=issue.rule))
        tail = f" ({'; '.join(extras)})" if extras else ""
        self._out.write(f"{where}: {issue.severity.label()} [{issue.code}] {issue.message}{tail}\n")

    def finish(self, report: Report) -> None:
        verdict = tr("valid") if report.valid else tr("INVALID")
        seconds = f"{report.elapsed:.2f}" if report.elapsed is not None else "?"
        counts = {
            "verdict": verdict,
            "files": len(report.files),
            "invalid": len(report.invalid_files),
            "errors": report.error_count,
            "warnings": report.warning_count,
            "seconds": seconds,
        }
        if report.record_count is None:
            line = tr(
                "{verdict}: {files} file(s) checked, {invalid} invalid, {errors} error(s), "
                "{warnings} warning(s) in {seconds} s",
                **counts,
            )
        else:
            line = tr(
                "{verdict}: {files} file(s) checked ({records} records), {invalid} invalid, "
                "{errors} error(s), {warnings} warning(s) in {seconds} s",
                records=report.record_count,
                **counts,
            )
        self._out.write(line + "\n")


class JsonLinesRenderer:
    """One JSON object per line: ``{"type": "issue", ...}`` then ``{"type": "summary", ...}``."""

    def __init__(self, out: IO[str]) -> None:
        self._out = out

    def start(self) -> None:
        pass

    def issue(self, issue: Issue) -> None:
        self._out.write(json.dumps({"type": "issue", **issue.to_dict()}, ensure_ascii=False))
        self._out.write("\n")

    def finish(self, report: Report) -> None:
        summary = {"type": "summary", "tool": "qnegov", "version": __version__, **report.summary()}
        self._out.write(json.dumps(summary, ensure_ascii=False) + "\n")


class _Buffered:
    """Collects issues for the whole-document formats."""

    def __init__(self, out: IO[str]) -> None:
        self._out = out
        self._issues: list[Issue] = []

    def start(self) -> None:
        self._issues.clear()

    def issue(self, issue: Issue) -> None:
        self._issues.append(issue)


class JUnitRenderer(_Buffered):
    """One ``testsuite`` per file; each blocking issue is a failed ``testcase``.

    A file without blocking issues yields one passing ``testcase``; warnings are kept in
    ``system-out`` so CI dashboards show them without failing the build.
    """

    def finish(self, report: Report) -> None:
        per_file: dict[str, list[Issue]] = defaultdict(list)
        for issue in self._issues:
            per_file[issue.file or "-"].append(issue)
        files = list(report.files) + [f for f in per_file if f not in report.files]
        suites = [self._suite(name, per_file.get(name, [])) for name in files]
        failures = sum(1 for i in self._issues if i.severity.blocks)
        tests = sum(max(1, sum(1 for i in per_file.get(f, []) if i.severity.blocks)) for f in files)
        seconds = report.elapsed or 0.0
        self._out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        self._out.write(
            f'<testsuites name="qnegov" tests="{tests}" failures="{failures}" errors="0" '
            f'time="{seconds:.3f}">\n'
        )
        self._out.writelines(suites)
        self._out.write("</testsuites>\n")

    @staticmethod
    def _suite(name: str, issues: list[Issue]) -> str:
        blocking = [i for i in issues if i.severity.blocks]
        others = [i for i in issues if not i.severity.blocks]
        cases = []
        for n, issue in enumerate(blocking, 1):
            case = f"{issue.code} #{n} at {issue.location or name}"
            cases.append(
                f"    <testcase classname={quoteattr(name)} name={quoteattr(case)}>\n"
                f"      <failure type={quoteattr(issue.code)} message={quoteattr(issue.message)}>"
                f"{escape(_plain(issue))}</failure>\n"
                "    </testcase>\n"
            )
        if not blocking:
            cases.append(f'    <testcase classname={quoteattr(name)} name="valid"/>\n')
        out = "".join(cases)
        if others:
            notes = escape("\n".join(_plain(i) for i in others))
            out += f"    <system-out>{notes}</system-out>\n"
        tests = max(1, len(blocking))
        return (
            f'  <testsuite name={quoteattr(name)} tests="{tests}" failures="{len(blocking)}" '
            f'errors="0" skipped="0">\n{out}  </testsuite>\n'
        )


def _plain(issue: Issue) -> str:
    return f"{issue.location or '-'}: {issue.severity.value} [{issue.code}] {issue.message}" + (
        f" ({issue.path})" if issue.path else ""
    )


_SARIF_LEVEL: Final = {
    Severity.FATAL: "error",
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.INFO: "note",
}


class SarifRenderer(_Buffered):
    """A SARIF 2.1.0 log with one run; rules are the issue codes seen, results the issues."""

    def finish(self, report: Report) -> None:
        known = registered_issue_codes()
        rule_ids = sorted({i.code for i in self._issues})
        rules = []
        for code in rule_ids:
            rule: dict[str, Any] = {"id": code}
            if code in known:
                rule["shortDescription"] = {"text": known[code].summary}
            rules.append(rule)
        index = {code: n for n, code in enumerate(rule_ids)}
        results = [self._result(i, index[i.code]) for i in self._issues]
        artifacts = [{"location": {"uri": _uri(f)}} for f in report.files]
        log = {
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "version": "2.1.0",
            "runs": [
                {
                    "tool": {
                        "driver": {
                            "name": "qnegov",
                            "version": __version__,
                            "informationUri": _TOOL_URI,
                            "rules": rules,
                        }
                    },
                    "artifacts": artifacts,
                    "results": results,
                    "invocations": [{"executionSuccessful": report.exit_code != 3}],
                }
            ],
        }
        json.dump(log, self._out, ensure_ascii=False, indent=2)
        self._out.write("\n")

    @staticmethod
    def _result(issue: Issue, rule_index: int) -> dict[str, Any]:
        result: dict[str, Any] = {
            "ruleId": issue.code,
            "ruleIndex": rule_index,
            "level": _SARIF_LEVEL[issue.severity],
            "message": {"text": issue.message},
        }
        if issue.file is not None:
            location: dict[str, Any] = {
                "physicalLocation": {"artifactLocation": {"uri": _uri(issue.file)}}
            }
            if issue.line is not None:
                region: dict[str, int] = {"startLine": max(1, issue.line)}
                if issue.column is not None:
                    region["startColumn"] = max(1, issue.column)
                location["physicalLocation"]["region"] = region
            if issue.path:
                location["logicalLocations"] = [{"fullyQualifiedName": issue.path}]
            result["locations"] = [location]
        properties: dict[str, Any] = {"severity": issue.severity.value}
        if issue.record is not None:
            properties["record"] = issue.record
        if issue.rule:
            properties["rule"] = issue.rule
        result["properties"] = properties
        return result


def _uri(name: str) -> str:
    """A relative or file URI for a path, as SARIF viewers expect."""
    if name.startswith("<"):
        return name.strip("<>")
    path = Path(name)
    return path.resolve().as_uri() if path.is_absolute() else path.as_posix()


def make_renderer(fmt: str, out: IO[str], *, quiet: bool = False) -> Renderer:
    """The renderer for ``fmt`` (one of :data:`FORMATS`) writing to ``out``."""
    if fmt == "text":
        return TextRenderer(out, quiet=quiet)
    if fmt == "json":
        return JsonLinesRenderer(out)
    if fmt == "junit":
        return JUnitRenderer(out)
    if fmt == "sarif":
        return SarifRenderer(out)
    if fmt == "html":
        from qnegov._html import HtmlRenderer

        return HtmlRenderer(out)
    raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")


def render(report: Report, fmt: str = "text") -> str:
    """Render a finished report (with its kept issues) as one string."""
    import io

    buffer = io.StringIO()
    renderer = make_renderer(fmt, buffer)
    renderer.start()
    for issue in report.issues:
        renderer.issue(issue)
    renderer.finish(report)
    return buffer.getvalue()
