"""Argument parsing, global options, dispatch and the exit-code contract of ``qnegov``."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from typing import Final

from qnegov._i18n import LANGUAGES, get_language, language, set_language, tr
from qnegov._render import FORMATS
from qnegov._version import __version__
from qnegov.cli._context import Context
from qnegov.errors import QnegovError

__all__ = ["COMMAND_MODULES", "build_parser", "main"]

COMMAND_MODULES: Final = [
    "qnegov.cli._validate",
    "qnegov.cli._codes",
    "qnegov.cli._edxml",
    "qnegov.cli._signing",
    "qnegov.cli._exchange",
    "qnegov.cli._bulk",
    "qnegov.cli._demo",
]
"""Each module defines ``register(sub, common)``; order is the order of ``--help``."""

COMMANDS: Final = {
    "validate": "qnegov.cli._validate",
    "codes": "qnegov.cli._codes",
    "inspect": "qnegov.cli._edxml",
    "build": "qnegov.cli._edxml",
    "attachments": "qnegov.cli._edxml",
    "sign": "qnegov.cli._signing",
    "verify": "qnegov.cli._signing",
    "keys": "qnegov.cli._signing",
    "send": "qnegov.cli._exchange",
    "inbox": "qnegov.cli._exchange",
    "fetch": "qnegov.cli._exchange",
    "ack": "qnegov.cli._exchange",
    "hub": "qnegov.cli._exchange",
    "bulk": "qnegov.cli._bulk",
    "demo": "qnegov.cli._demo",
}
"""Which module registers each command (a test holds this equal to what they register): a
command line naming one builds only that module's parsers, half of the start-up otherwise."""

EXIT_OK: Final = 0
EXIT_INVALID: Final = 1
EXIT_USAGE: Final = 2
EXIT_UNREADABLE: Final = 3
EXIT_BUG: Final = 4
"""An exception qnegov did not expect: a bug in qnegov, never a verdict on the input."""

REPORT_TO: Final = "the qnegov maintainers, with the input file (see docs/cli.md, 'Bugs')"


def _epilog() -> str:
    return tr(
        "exit codes: 0 ok, 1 invalid input found, 2 usage error, 3 unreadable or unsafe input, "
        "4 internal error (a bug in qnegov; --debug shows its traceback).\n"
        "Global options (--format, --lang, --quiet) may come before or after the command.\n"
        "QNEGOV_LANG=vi selects Vietnamese messages."
    )


def _add_globals(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    """The global options; on subcommands their defaults are suppressed so either place wins."""

    def default(value: object) -> object:
        return argparse.SUPPRESS if suppress else value

    group = parser.add_argument_group(tr("global options"))
    group.add_argument(
        "--format",
        choices=FORMATS,
        default=default("text"),
        help=tr("output format (default: text)"),
    )
    group.add_argument(
        "--lang",
        choices=LANGUAGES,
        default=default(get_language()),
        help=tr("message language (default: $QNEGOV_LANG or en)"),
    )
    group.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        default=default(False),
        help=tr("print only problems, no progress or notes"),
    )
    group.add_argument(
        "--debug",
        action="store_true",
        default=default(False),
        help=tr("on an internal error (exit code 4), print the Python traceback"),
    )


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser, with every command module registered, or only the one defining ``command``."""
    parser = argparse.ArgumentParser(
        prog="qnegov",
        description=tr(
            "E-government interoperability tools for Vietnamese provinces: national codes, "
            "edXML packets (QCVN 102:2016), XML signatures, bulk validation, document exchange."
        ),
        epilog=_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"qnegov {__version__}")
    _add_globals(parser, suppress=False)
    common = argparse.ArgumentParser(add_help=False)
    _add_globals(common, suppress=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", title=tr("commands"))
    for name in [COMMANDS[command]] if command in COMMANDS else COMMAND_MODULES:
        importlib.import_module(name).register(sub, common)
    return parser


def _command_from(argv: Sequence[str]) -> str | None:
    """The command word of ``argv``, skipping the global options before it (and their values)."""
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg in ("--format", "--lang"):
            skip = True
        elif not arg.startswith("-"):
            return arg
        elif arg in ("-h", "--help", "--version"):
            return None
    return None


def _language_from(argv: Sequence[str]) -> str | None:
    """``--lang`` must be known before help texts are built, so look for it early."""
    for n, arg in enumerate(argv):
        if arg == "--lang" and n + 1 < len(argv):
            return argv[n + 1]
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``qnegov`` with ``argv`` (default: the process arguments); return the exit code.

    ``--lang`` applies to this call only: an application calling ``main`` in-process keeps its
    own language afterwards.
    """
    args_list = list(sys.argv[1:] if argv is None else argv)
    early = _language_from(args_list)
    with language(early if early in LANGUAGES else get_language()):
        return _run(args_list)


def _run(args_list: list[str]) -> int:
    parser = build_parser(_command_from(args_list))
    args = parser.parse_args(args_list)
    set_language(args.lang)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    ctx = Context(
        fmt=args.format,
        lang=args.lang,
        quiet=args.quiet,
        out=sys.stdout,
        err=sys.stderr,
        tty=sys.stderr.isatty() and os.environ.get("TERM") != "dumb",
    )
    try:
        code: int = args.handler(args, ctx)
    except QnegovError as exc:
        sys.stderr.write(tr("qnegov: error: {error}", error=exc) + "\n")
        return exc.exit_code
    except KeyboardInterrupt:
        sys.stderr.write(tr("qnegov: interrupted") + "\n")
        return 130
    except BrokenPipeError:  # `qnegov ... | head` is normal use
        sys.stderr.close()
        return EXIT_OK
    except Exception as exc:  # a bug: say so in one line, keep the traceback for --debug
        if args.debug:
            raise
        sys.stderr.write(_bug_line(args, exc) + "\n")
        return EXIT_BUG
    return code


def _bug_line(args: argparse.Namespace, exc: BaseException) -> str:
    """One line naming the input, the exception class and where to report it."""
    names: list[str] = []
    for attr in ("file", "files", "source"):
        value = getattr(args, attr, None)
        if value is not None:
            names.extend(str(v) for v in (value if isinstance(value, list) else [value]))
    where = type(exc).__module__ + "." + type(exc).__qualname__
    return tr(
        "qnegov: internal error (a bug in qnegov, not a verdict on the input) while handling "
        "{files}: {error}; please report it to {report}; --debug shows the traceback",
        files=", ".join(names) or args.command,
        error=f"{where}: {exc}"[:300],
        report=REPORT_TO,
    )
