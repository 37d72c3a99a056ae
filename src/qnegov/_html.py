"""``--format html``: one self-contained page a clerk can open from a file share, offline.

The page holds everything inline (CSS, SVG, a short script to sort and filter the table),
nothing from the network. Counts are complete however many issues there are; the table keeps
the first :data:`MAX_ROWS` issues so that a run with 100 000 findings still gives a page of a
few hundred kilobytes. The template is Jinja2 (extra ``html``), with autoescaping on: issue
messages quote hostile input and must never become markup.
"""

from __future__ import annotations

import datetime as _dt
import io
from array import array
from collections import Counter
from functools import cache
from pathlib import Path
from typing import IO, Any, Final

from qnegov._i18n import get_language, tr
from qnegov._version import __version__
from qnegov.errors import QnegovError
from qnegov.report import Issue, Report, Severity

__all__ = ["MAX_ROWS", "HtmlRenderer", "render_html"]

MAX_ROWS: Final = 2000
"""Issues listed in the page's table; the summary and the chart count every issue."""
_BARS: Final = 25
_BINS: Final = 120
_TEMPLATE: Final = Path(__file__).with_name("templates") / "report.html.j2"
_RANK: Final = {Severity.INFO: 0, Severity.WARNING: 1, Severity.ERROR: 2, Severity.FATAL: 3}


@cache
def _template() -> Any:
    try:
        import jinja2
    except ImportError:
        raise QnegovError(tr("the HTML report needs Jinja2: pip install 'qnegov[html]'")) from None
    env = jinja2.Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True)
    return env.from_string(_TEMPLATE.read_text(encoding="utf-8"))


class HtmlRenderer:
    """Collects counts, line positions and the first rows; writes the page at ``finish``."""

    def __init__(self, out: IO[str], *, max_rows: int = MAX_ROWS) -> None:
        _template()  # a missing Jinja2 is said before any work is done
        self._out = out
        self._max_rows = max_rows
        self._rows: list[Issue] = []
        self._total = 0
        self._worst: dict[str, Severity] = {}
        self._lines: dict[str, array[int]] = {}
        self._records: dict[str, set[int]] = {}

    def start(self) -> None:
        pass

    def issue(self, issue: Issue) -> None:
        self._total += 1
        worst = self._worst.get(issue.code)
        if worst is None or _RANK[issue.severity] > _RANK[worst]:
            self._worst[issue.code] = issue.severity
        name = issue.file or "-"
        if issue.line is not None:
            self._lines.setdefault(name, array("L")).append(max(issue.line, 0))
        if issue.record is not None:
            self._records.setdefault(name, set()).add(issue.record)
        if len(self._rows) < self._max_rows:
            self._rows.append(issue)

    def finish(self, report: Report) -> None:
        self._out.write(self.page(report))

    def page(self, report: Report) -> str:
        """The whole HTML document."""
        by_code = Counter(report.by_code) if report.by_code else Counter(self._worst)
        top = by_code.most_common(_BARS)
        peak = max((n for _c, n in top), default=1)
        bars = [
            {
                "code": code,
                "count": n,
                "width": max(0.5, 100.0 * n / peak),
                "severity": self._worst.get(code, Severity.ERROR).value,
                "y": 26 * k,
            }
            for k, (code, n) in enumerate(top)
        ]
        strips = [self._strip(name, lines) for name, lines in self._lines.items() if len(lines)]
        records = sum(len(r) for r in self._records.values())
        seconds = report.elapsed
        data = {
            "lang": get_language(),
            "version": __version__,
            "created": _dt.datetime.now().replace(microsecond=0).isoformat(sep=" "),
            "valid": report.valid,
            "summary": [
                (tr("files"), len(report.files)),
                (tr("invalid files"), len(report.invalid_files)),
                (
                    tr("records checked"),
                    "—" if report.record_count is None else report.record_count,
                ),
                (tr("records with issues"), records if self._records else "—"),
                (tr("errors"), report.error_count),
                (tr("warnings"), report.warning_count),
                (tr("notes"), report.by_severity[Severity.INFO]),
                (tr("time"), "—" if seconds is None else f"{seconds:.2f} s"),
            ],
            "bars": bars,
            "chart_height": 26 * max(len(bars), 1),
            "more_codes": len(by_code) - len(top),
            "strips": strips,
            "rows": [self._row(i) for i in self._rows],
            "total": max(self._total, sum(by_code.values()) if report.by_code else 0),
            "capped": self._total > len(self._rows),
            "files": report.files,
            "severities": [s.value for s in Severity],
            "t": _labels(),
        }
        data["more_codes_text"] = tr("and {n} more codes", n=data["more_codes"])
        data["capped_text"] = tr(
            "the table lists the first {rows} issues; the counts above include all {total}",
            rows=len(self._rows),
            total=data["total"],
        )
        data["made_text"] = tr(
            "made by qnegov {version} on {when}", version=__version__, when=data["created"]
        )
        return str(_template().render(**data))

    @staticmethod
    def _row(issue: Issue) -> dict[str, Any]:
        return {
            "file": issue.file or "",
            "line": "" if issue.line is None else issue.line,
            "record": "" if issue.record is None else issue.record,
            "path": issue.path or "",
            "code": issue.code,
            "severity": issue.severity.value,
            "severity_label": issue.severity.label(),
            "message": issue.message,
        }

    @staticmethod
    def _strip(name: str, lines: array[int]) -> dict[str, Any]:
        """Where in the file the issues fall: counts in equal bins of lines 1..last."""
        last = max(lines)
        width = max(1, -(-last // _BINS))
        counts = [0] * _BINS
        for line in lines:
            counts[min(_BINS - 1, max(line - 1, 0) // width)] += 1
        peak = max(counts) or 1
        cells = [
            {
                "x": k,
                "count": n,
                "opacity": 0.15 + 0.85 * n / peak,
                "first": k * width + 1,
                "last": (k + 1) * width,
            }
            for k, n in enumerate(counts)
            if n
        ]
        return {"file": name, "last": last, "cells": cells, "bins": _BINS, "count": len(lines)}


def _labels() -> dict[str, str]:
    """Every word of the page, in the current language."""
    return {
        "title": tr("qnegov validation report"),
        "valid": tr("valid"),
        "invalid": tr("INVALID"),
        "by_code": tr("Issues by code"),
        "where": tr("Where the issues fall in each file (by line)"),
        "line": tr("line number"),
        "issues": tr("Issues"),
        "filter": tr("filter"),
        "filter_hint": tr("text in any column"),
        "all": tr("all severities"),
        "shown": tr("shown"),
        "of": tr("of"),
        "file": tr("file"),
        "record": tr("record"),
        "path": tr("path"),
        "code": tr("code"),
        "severity": tr("severity"),
        "message": tr("message"),
        "none": tr("No issues found."),
        "sort_hint": tr("click a column to sort; click a bar to filter by its code"),
    }


def render_html(report: Report, *, max_rows: int = MAX_ROWS) -> str:
    """A finished report (its kept issues) as one self-contained HTML page."""
    renderer = HtmlRenderer(io.StringIO(), max_rows=max_rows)
    for issue in report.issues:
        renderer.issue(issue)
    return renderer.page(report)
