"""``qnegov validate FILE...``: safety and well-formedness of every file, through one report.

Each file is opened through the safe parser only; a file that cannot be read safely is a
``fatal`` issue (exit code 3) and the other files are still checked. The checking itself is
:func:`qnegov.validate`; this module parses the options and renders.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from pathlib import Path

from qnegov._i18n import tr
from qnegov.cli._bulk import add_validate_options
from qnegov.cli._context import Context, Progress
from qnegov.report import DEFAULT_MAX_ISSUES_PER_CODE, Issue, Report

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


def validate_files(paths: list[Path], report: Report, *, strict: bool = False) -> None:
    """Check every path into ``report`` (kept for the demo; see :func:`qnegov.validate`)."""
    from qnegov._validate_any import validate

    report.merge(validate(paths, strict=strict))


def sort_key(files: list[str]) -> Callable[[Issue], tuple[int, int, int, int]]:
    """Order issues by file (in the order given), then line, column and record."""
    order = {name: n for n, name in enumerate(files)}

    def key(issue: Issue) -> tuple[int, int, int, int]:
        return (
            order.get(issue.file or "", len(order)),
            issue.line or 0,
            issue.column or 0,
            issue.record if issue.record is not None else -1,
        )

    return key


def run(args: argparse.Namespace, ctx: Context) -> int:
    from qnegov._validate_any import validate

    files = [str(p) for p in args.files]
    # text reads best in file and line order: bulk workers find issues out of order
    buffered = ctx.fmt in ("text", "html")
    renderer = ctx.renderer()
    renderer.start()
    held: list[Issue] = []
    shown: list[Progress] = []
    counter = ctx.progress(len(files), unit="files")

    def progress(_name: str, total: int | None) -> Callable[[int], None]:
        for old in shown:
            old.close()
        shown[:] = [ctx.progress(total)]
        return shown[0].update

    def counted(paths: list[Path]) -> Iterator[Path]:
        """The paths, counting each one done on the display (many small files take long too)."""
        for n, path in enumerate(paths):
            if n:
                counter.update(1)
            yield path

    try:
        report = validate(
            counted(args.files) if len(files) > 1 else args.files,
            strict=args.strict,
            schema=args.schema,
            record=args.record,
            jobs=args.jobs,
            client=args.scheduler,
            max_errors=args.max_errors,
            rules=args.rules,
            builtin_rules=not args.no_builtin_rules,
            on_issue=held.append if buffered else renderer.issue,
            progress=progress,
            keep_issues=False,  # the renderer holds what it needs
            fast=not args.no_fast_path,
            max_issues_per_code=args.max_issues_per_code,
        )
    finally:
        for old in shown:
            old.close()
        counter.close()
    for issue in sorted(held, key=sort_key(files)):
        renderer.issue(issue)
    renderer.finish(report)
    if args.schema and ctx.fmt == "text" and not ctx.quiet:
        counts = ", ".join(f"{code} {n}" for code, n in sorted(report.by_code.items()))
        ctx.echo(tr("issues by code: {counts}", counts=counts or "-"))
    return report.exit_code
