"""Start-up: building the parser, ``--version`` and light commands import only what they need."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from qnegov.cli._codes import CSV_ENCODINGS, KIND_NAMES

# what a command may never load just to parse its arguments
HEAVY = ("pydantic", "httpx", "signxml", "cryptography", "xmlschema", "jinja2", "yaml", "lxml")
HEAVY_QNEGOV = ("qnegov.bulk", "qnegov.edxml", "qnegov.signing", "qnegov.codes", "qnegov._html")

_PROBE = """
import json, sys
from qnegov.cli import main
try:
    code = main({argv!r})
except SystemExit as exc:  # argparse's --help
    code = exc.code
sys.stdout.flush()
sys.stderr.write("\\n@@" + json.dumps([code, sorted(sys.modules)]))
"""


def _modules(*argv: str) -> tuple[int, set[str]]:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE.format(argv=list(argv))],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    code, modules = json.loads(done.stderr.rsplit("@@", 1)[1])
    return code, set(modules)


def _heavy(modules: set[str], *allowed: str) -> list[str]:
    roots = {m.split(".")[0] for m in modules}
    bad = [m for m in HEAVY if m in roots and m not in allowed]
    bad += [m for m in modules if m.startswith(HEAVY_QNEGOV) and not m.startswith(allowed or "-")]
    return sorted(bad)


def test_help_imports_only_the_cli_frame() -> None:
    code, modules = _modules("--help")
    assert code == 0
    assert _heavy(modules) == []
    ours = {m for m in modules if m.startswith("qnegov")}
    assert ours == {
        "qnegov",
        "qnegov._i18n",
        "qnegov._render",
        "qnegov._version",
        "qnegov.errors",
        "qnegov.report",
        "qnegov.exchange",  # its lazy __init__, for hub serve's options
        "qnegov.exchange._hub_arguments",
        "qnegov.exchange._profile",
        "qnegov.cli",
        "qnegov.cli._main",
        "qnegov.cli._context",
        "qnegov.cli._bulk",
        "qnegov.cli._codes",
        "qnegov.cli._demo",
        "qnegov.cli._output",  # the shared -o checks (pathlib and errors only)
        "qnegov.cli._edxml",
        "qnegov.cli._exchange",
        "qnegov.cli._signing",
        "qnegov.cli._validate",
    }


def test_version_imports_almost_nothing() -> None:
    code, modules = _modules("--version")
    assert code == 0
    assert {m for m in modules if m.startswith("qnegov")} == {
        "qnegov",
        "qnegov._version",
        "qnegov.errors",
        "qnegov.cli",
    }
    assert "argparse" not in modules


def test_codes_explain_loads_the_codes_only() -> None:
    code, modules = _modules("codes", "explain", "0301442379")
    assert code == 0
    assert _heavy(modules, "qnegov.codes") == []


def test_validate_of_plain_xml_needs_no_models(tmp_path: Path) -> None:
    small = tmp_path / "small.xml"
    small.write_text("<a><b/></a>", encoding="utf-8")
    code, modules = _modules("validate", str(small))
    assert code == 0
    assert _heavy(modules, "lxml") == []


def test_every_subcommand_help_builds_without_heavy_imports() -> None:
    for argv in (("build", "--help"), ("verify", "--help"), ("bulk", "generate", "--help")):
        code, modules = _modules(*argv)
        assert code == 0, argv
        assert _heavy(modules) == [], argv


def test_kind_names_match_the_library() -> None:
    from qnegov.codes import KINDS

    assert tuple(sorted(KINDS)) == KIND_NAMES


def test_csv_encodings_match_the_library() -> None:
    from qnegov.codes import _csvfile

    assert _csvfile.CSV_ENCODINGS == CSV_ENCODINGS


def test_startup_benchmark_smoke_runs() -> None:
    script = Path(__file__).resolve().parent.parent / "benchmarks" / "cli_startup.py"
    done = subprocess.run(
        [sys.executable, str(script), "--runs", "1", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr
    rows = json.loads(done.stdout)
    assert {r["name"] for r in rows} >= {"--version", "codes explain", "validate small.xml"}
    for row in rows:
        assert row["ratio"] > 0 and row["target"] > 0


@pytest.mark.parametrize("argv", [["--version"]])
def test_version_in_process(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    from qnegov import __version__
    from qnegov.cli import main

    assert main(argv) == 0
    assert capsys.readouterr().out == f"qnegov {__version__}\n"


def test_command_table_names_what_each_module_registers() -> None:
    import argparse
    import importlib

    from qnegov.cli._main import COMMAND_MODULES, COMMANDS, _command_from

    for module in COMMAND_MODULES:
        sub = argparse.ArgumentParser().add_subparsers()
        importlib.import_module(module).register(sub, argparse.ArgumentParser(add_help=False))
        assert {c for c, m in COMMANDS.items() if m == module} == set(sub.choices), module
    assert _command_from(["--format", "json", "--lang", "vi", "codes", "explain"]) == "codes"
    assert _command_from(["--format=json", "-q", "validate", "x.xml"]) == "validate"
    assert _command_from(["--help", "codes"]) is None


def test_a_command_builds_only_its_own_parser() -> None:
    code, modules = _modules("--format", "json", "codes", "explain", "0301442379")
    assert code == 0
    assert "qnegov.cli._signing" not in modules and "qnegov.cli._exchange" not in modules


def test_forbidden_xml_characters_are_the_complement_of_the_allowed_ones() -> None:
    import re

    from qnegov._render import _NOT_XML_CHAR

    allowed = re.compile("[\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
    for cp in [*range(0x10000), 0x10000, 0x1F600, 0x10FFFF]:
        char = chr(cp)
        assert bool(_NOT_XML_CHAR.match(char)) != bool(allowed.match(char)), hex(cp)
