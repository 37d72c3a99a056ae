"""``qnegov demo``: the main jobs on embedded data, offline, in a few seconds.

Each capability adds a step function ``step(ctx, workdir)`` to :data:`DEMO_STEPS`; the steps
run in order in one temporary folder, and the demo fails (exit 1) if any step raises.
"""

from __future__ import annotations

import argparse
import tempfile
import time
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

_PROVES: Final[dict[str, Callable[[], str]]] = {
    "step_safe_parsing": lambda: tr(
        "hostile XML (DTD, external entity) is refused by name with exit code 3; never read"
    ),
    "step_codes": lambda: tr(
        "national codes are decoded offline across the 2025 reform, and a CSV column is "
        "checked row by row against the birth date and sex it must agree with"
    ),
    "demo_step": lambda: tr(
        "a packet built by qnegov passes the strict QCVN 102:2016 validation and reads back"
    ),
    "step_signatures": lambda: tr(
        "a signed packet verifies against its CA, and one changed byte makes it fail"
    ),
    "step_exchange": lambda: tr(
        "two agencies exchange a signed packet and its status through the reference hub"
    ),
    "step_bulk": lambda: tr(
        "the bulk validator finds exactly the seeded errors of a register, and nothing else"
    ),
}
"""What each step shows, said after it succeeds (steps without an entry say nothing)."""


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
    if ctx.fmt == "html":  # one page per report would be several documents on one stream
        ctx.err.write(
            "qnegov demo: "
            + tr("error: {message}", message=tr("the demo writes text or json, not html"))
            + "\n"
        )
        return 2
    if args.keep is not None:
        args.keep.mkdir(parents=True, exist_ok=True)
        return _run_steps(ctx, args.keep)
    with tempfile.TemporaryDirectory(prefix="qnegov-demo-") as tmp:
        return _run_steps(ctx, Path(tmp))


def _run_steps(ctx: Context, workdir: Path) -> int:
    for step in DEMO_STEPS:
        started = time.perf_counter()
        step(ctx, workdir)
        proves = _PROVES.get(step.__name__)
        if proves is not None:
            seconds = time.perf_counter() - started
            ctx.echo(tr("proves: {what} ({seconds:.1f} s)", what=proves(), seconds=seconds))
        ctx.echo()
    ctx.echo(tr("Demo finished: every step behaved as expected."))
    return 0
