"""``qnegov validate FILE...``: safety and well-formedness of every file, through one report.

Each file is opened through the safe parser only; a file that cannot be read safely is a
``fatal`` issue (exit code 3) and the other files are still checked.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from qnegov import _xml
from qnegov._i18n import tr
from qnegov.cli._bulk import add_validate_options, run_bulk_validate
from qnegov.cli._context import Context
from qnegov.cli._edxml import edxml_report, is_edxml
from qnegov.cli._signing import packet_signature_issues
from qnegov.errors import QnegovError
from qnegov.report import DEFAULT_MAX_ISSUES_PER_CODE, Report, issue_from_error

__all__ = ["register", "validate_files"]


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    parser = sub.add_parser(
        "validate",
        parents=[common],
        help=tr("check XML files: safety, well-formedness, and their format's rules"),
        description=tr(
            "Check each FILE: it must be safe (no DTD, entities, excessive depth or size) and "
            "well-formed XML."
        ),
    )
    parser.add_argument("files", nargs="+", metavar="FILE", type=Path, help=tr("files to check"))
    add_validate_options(parser)
    parser.add_argument(
        "--strict",
        action="store_true",
        help=tr("edXML packets: treat every deviation from the standard as an error"),
    )
    parser.add_argument(
        "--max-issues-per-code",
        type=_cap,
        default=DEFAULT_MAX_ISSUES_PER_CODE,
        metavar="N",
        help=tr(
            "edXML packets: list at most N issues of one code per file, then count the rest "
            "(0: no cap; default: {n})",
            n=DEFAULT_MAX_ISSUES_PER_CODE,
        ),
    )
    parser.set_defaults(handler=run)


def _cap(text: str) -> int | None:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(tr("expected a whole number, got {text!r}", text=text))
    return int(text) or None


def _check_wellformed(path: Path, report: Report) -> None:
    """Stream the file once through the safe iterparse, keeping no tree."""
    for _event, element in _xml.iterparse(path, events=("end",)):
        element.clear(keep_tail=False)
        parent = element.getparent()  # None for the root, whose siblings are comments or PIs
        while parent is not None and element.getprevious() is not None:
            del parent[0]


def validate_files(
    paths: list[Path],
    report: Report,
    *,
    strict: bool = False,
    max_issues_per_code: int | None = DEFAULT_MAX_ISSUES_PER_CODE,
) -> None:
    """Check every path into ``report``; reading errors become fatal issues, not exceptions.

    edXML packets (recognised by the namespace of their root) get the full edXML validation.
    """
    for path in paths:
        name = str(path)
        try:
            if is_edxml(path):
                report.merge(
                    edxml_report(path, strict=strict, max_issues_per_code=max_issues_per_code)
                )
                report.extend(packet_signature_issues(path))
                continue
            report.files.append(name)
            _check_wellformed(path, report)
        except QnegovError as exc:
            if name not in report.files:
                report.files.append(name)
            report.add(issue_from_error(exc, file=name))


def run(args: argparse.Namespace, ctx: Context) -> int:
    if getattr(args, "schema", None):
        return run_bulk_validate(args, ctx)
    report = Report()
    validate_files(
        args.files, report, strict=args.strict, max_issues_per_code=args.max_issues_per_code
    )
    return ctx.emit_report(report.finish())
