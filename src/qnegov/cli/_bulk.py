"""``qnegov bulk generate`` and the ``--schema`` branch of ``qnegov validate`` (bulk registers)."""

from __future__ import annotations

import argparse
from pathlib import Path

from qnegov._i18n import tr
from qnegov.cli._context import Context
from qnegov.cli._output import output_file, writing

__all__ = ["add_validate_options", "register", "step_bulk"]


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    parser = sub.add_parser(
        "bulk",
        parents=[common],
        help=tr("bulk register tools: generate test registers with seeded errors"),
    )
    verbs = parser.add_subparsers(dest="bulk_command", metavar="VERB")
    gen = verbs.add_parser(
        "generate",
        parents=[common],
        help=tr("write a realistic register with seeded errors and a truth file"),
    )
    gen.add_argument(
        "--schema",
        choices=("citizen", "household"),
        default="citizen",
        help=tr("register kind (default: citizen)"),
    )
    gen.add_argument(
        "--records",
        type=int,
        default=1000,
        metavar="N",
        help=tr("number of records (default: 1000)"),
    )
    gen.add_argument(
        "--error-rate",
        type=float,
        default=0.0,
        metavar="R",
        help=tr("share of records given one seeded error, 0..1 (default: 0)"),
    )
    gen.add_argument(
        "--seed",
        type=int,
        default=0,
        metavar="S",
        help=tr("random seed: same seed, same file (default: 0)"),
    )
    gen.add_argument(
        "--kinds",
        metavar="K,K",
        default=None,
        help=tr("comma-separated error kinds to seed (default: all)"),
    )
    gen.add_argument(
        "-o",
        "--output",
        type=Path,
        required=True,
        metavar="FILE",
        help=tr("output file (.xml or .xml.gz); the truth file is FILE.truth.jsonl"),
    )
    gen.set_defaults(handler=run_generate)
    parser.set_defaults(handler=_usage(parser))


def _usage(parser: argparse.ArgumentParser):  # type: ignore[no-untyped-def]
    def show(args: argparse.Namespace, ctx: Context) -> int:
        parser.print_help(ctx.err)
        return 2

    return show


def run_generate(args: argparse.Namespace, ctx: Context) -> int:
    from qnegov.bulk._generate import generate

    kinds = args.kinds.split(",") if args.kinds else None
    if not 0.0 <= args.error_rate <= 1.0 or args.records < 0:
        ctx.warn(tr("--error-rate must be within 0..1 and --records not negative"))
        return 2
    output = output_file(args.output)
    progress = ctx.progress(args.records, unit="records")
    try:
        with writing(output):
            seeded = generate(
                args.output,
                schema=args.schema,
                records=args.records,
                error_rate=args.error_rate,
                seed=args.seed,
                kinds=kinds,
                progress=progress.update,
            )
    except ValueError as exc:
        ctx.warn(str(exc))
        return 2
    finally:
        progress.close()
    size = args.output.stat().st_size
    ctx.echo(
        tr(
            "wrote {records} records ({mb:.1f} MB) to {path}, {errors} seeded errors "
            "listed in {truth}",
            records=args.records,
            mb=size / 1e6,
            path=args.output,
            errors=len(seeded),
            truth=f"{args.output}.truth.jsonl",
        )
    )
    return 0


def add_validate_options(parser: argparse.ArgumentParser) -> None:
    """The bulk options of ``qnegov validate`` (active with ``--schema``)."""
    group = parser.add_argument_group(tr("bulk registers (with --schema)"))
    group.add_argument(
        "--schema",
        metavar="XSD",
        default=None,
        help=tr("validate records against XSD, or a shipped schema: citizen, household"),
    )
    group.add_argument(
        "--record",
        metavar="NAME",
        default=None,
        help=tr(
            "record element: local name or {namespace}name (default: the "
            "repeated child of the root)"
        ),
    )
    group.add_argument(
        "--max-errors", type=int, default=None, metavar="N", help=tr("stop after N issues")
    )
    group.add_argument(
        "--rules",
        action="append",
        default=[],
        metavar="MODULE",
        help=tr("extra rules: a module name or .py file with a RULES list (repeatable)"),
    )
    group.add_argument(
        "--no-builtin-rules",
        action="store_true",
        help=tr("XSD only: skip the shipped schemas' built-in rules"),
    )
    spread = parser.add_argument_group(tr("parallel runs (files and byte ranges)"))
    spread.add_argument(
        "--jobs",
        type=int,
        default=1,
        metavar="N",
        help=tr("worker processes, 0 = every core (default: 1)"),
    )
    spread.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        default=None,
        help=tr(
            "run on the Dask cluster of this scheduler, e.g. tcp://10.0.0.5:8786 "
            "(extra qnegov[dask]; workers must see the files or their URLs)"
        ),
    )
    group.add_argument(
        "--no-fast-path",
        action="store_true",
        help=tr("validate every record with libxml2 (the fast path gives the same issues)"),
    )


def step_bulk(ctx: Context, workdir: Path) -> None:
    """Generate a 2 000-record citizen register with seeded errors, validate it, summarise."""
    from qnegov.bulk import validate_file
    from qnegov.bulk._generate import generate

    ctx.echo(tr("== Bulk: 2 000 citizen records with seeded errors, validated in one stream =="))
    path = workdir / "citizens.xml"
    seeded = generate(path, schema="citizen", records=2_000, error_rate=0.02, seed=2025)
    found: list[tuple[int, int | None, str]] = []
    report = validate_file(
        str(path),
        "citizen",
        jobs=1,
        keep_issues=False,
        on_issue=lambda i: found.append((-1 if i.record is None else i.record, i.line, i.code)),
    )
    size = path.stat().st_size / 1e6
    elapsed = report.elapsed or 0.0
    ctx.echo(
        tr(
            "{mb:.1f} MB in {seconds:.2f} s ({rate:.0f} MB/s): {errors} issue(s), {seeded} seeded",
            mb=size,
            seconds=elapsed,
            rate=size / max(elapsed, 1e-9),
            errors=report.error_count,
            seeded=len(seeded),
        )
    )
    for code, n in sorted(report.by_code.items()):
        ctx.echo(f"  {code:32} {n}")
    if sorted(found) != sorted((e.record, e.line, e.code) for e in seeded):
        raise RuntimeError("the bulk validator did not report exactly the seeded errors")
    ctx.echo(tr("every seeded error found, nothing else reported"))
