"""``qnegov demo``: the main jobs on embedded data, offline, in a few seconds.

Each capability adds a step function ``step(ctx, workdir)`` to :data:`DEMO_STEPS`; the steps
run in order in one temporary folder, and the demo fails (exit 1) if any step raises.
"""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Final

from qnegov._i18n import tr
from qnegov.cli._bulk import step_bulk
from qnegov.cli._codes import step_codes
from qnegov.cli._context import Context
from qnegov.cli._edxml import demo_step as edxml_demo_step
from qnegov.cli._exchange import step_exchange
from qnegov.cli._signing import step_signatures
from qnegov.cli._validate import validate_files
from qnegov.report import Report

__all__ = ["DEMO_STEPS", "register"]

_WELL_FORMED: Final = """<?xml version="1.0" encoding="UTF-8"?>
<CoQuan><Ten>Ủy ban nhân dân tỉnh Quảng Nam</Ten><Ma>000.00.00.H47</Ma></CoQuan>
"""
_XXE: Final = """<?xml version="1.0"?>
<!DOCTYPE foo [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
<foo>&xxe;</foo>
"""


def step_safe_parsing(ctx: Context, workdir: Path) -> None:
    """Validate a well-formed file and a hostile one: the hostile one is refused, by name."""
    good = workdir / "co-quan.xml"
    bad = workdir / "xxe.xml"
    good.write_text(_WELL_FORMED, encoding="utf-8")
    bad.write_text(_XXE, encoding="utf-8")
    ctx.echo(tr("== Safe XML: one well-formed file, one XXE attack =="))
    report = Report()
    validate_files([good, bad], report)
    ctx.emit_report(report.finish())
    if report.exit_code != 3 or str(bad) not in report.invalid_files:
        raise RuntimeError("the demo's XXE file was not refused")


DEMO_STEPS: Final[list[Callable[[Context, Path], None]]] = [
    step_safe_parsing,
    step_codes,
    edxml_demo_step,
    step_signatures,
    step_exchange,
    step_bulk,
]


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    parser = sub.add_parser(
        "demo",
        parents=[common],
        help=tr("run a tour of qnegov on embedded data (offline, a few seconds)"),
    )
    parser.add_argument(
        "--keep", type=Path, metavar="DIR", help=tr("write the demo files into DIR and keep them")
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, ctx: Context) -> int:
    if args.keep is not None:
        args.keep.mkdir(parents=True, exist_ok=True)
        return _run_steps(ctx, args.keep)
    with tempfile.TemporaryDirectory(prefix="qnegov-demo-") as tmp:
        return _run_steps(ctx, Path(tmp))


def _run_steps(ctx: Context, workdir: Path) -> int:
    for step in DEMO_STEPS:
        step(ctx, workdir)
        ctx.echo()
    ctx.echo(tr("Demo finished: every step behaved as expected."))
    return 0
