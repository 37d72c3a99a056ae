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
from qnegov.report import Report, issue_from_error

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
    # kept as typed (str): a URL such as s3://bucket/x.xml must not lose its double slash
    parser.add_argument("files", nargs="+", metavar="FILE", help=tr("files to check"))
    add_validate_options(parser)
    parser.add_argument(
        "--strict",
        action="store_true",
        help=tr("edXML packets: treat every deviation from the standard as an error"),
    )
    parser.set_defaults(handler=run)


def _check_wellformed(path: Path, report: Report) -> None:
    """Stream the file once through the safe iterparse, keeping no tree."""
    for _event, element in _xml.iterparse(path, events=("end",)):
        element.clear(keep_tail=False)
        while element.getprevious() is not None:
            del element.getparent()[0]


def validate_files(
    paths: list[Path],
    report: Report,
    *,
    strict: bool = False,
    jobs: int = 1,
    scheduler: str | None = None,
) -> None:
    """Check every path into ``report``; reading errors become fatal issues, not exceptions.

    edXML packets (recognised by the namespace of their root) get the full edXML validation.
    With ``jobs > 1`` or a Dask ``scheduler`` address, files are checked several at a time
    (in worker processes) and merged in input order: the same report as one by one.
    """
    if jobs != 1 or scheduler is not None:
        from qnegov.bulk._many import map_files

        items = [(str(path), strict) for path in paths]
        for part in map_files(check_one, items, jobs=jobs, client=scheduler):
            report.merge(part)
        return
    for path in paths:
        name = str(path)
        try:
            if is_edxml(path):
                report.merge(edxml_report(path, strict=strict))
                report.extend(packet_signature_issues(path))
                continue
            report.files.append(name)
            _check_wellformed(path, report)
        except QnegovError as exc:
            if name not in report.files:
                report.files.append(name)
            report.add(issue_from_error(exc, file=name))


def check_one(item: tuple[str, bool]) -> Report:
    """One file's report, in whichever process checks it (module-level: it must pickle)."""
    name, strict = item
    part = Report()
    validate_files([Path(name)], part, strict=strict)
    return part


def run(args: argparse.Namespace, ctx: Context) -> int:
    if getattr(args, "schema", None):
        return run_bulk_validate(args, ctx)
    report = Report()
    paths = [Path(name) for name in args.files]
    validate_files(paths, report, strict=args.strict, jobs=args.jobs, scheduler=args.scheduler)
    return ctx.emit_report(report.finish())
