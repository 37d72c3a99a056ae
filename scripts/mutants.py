"""Mutation testing of the security-critical modules with mutmut, one group at a time.

``python scripts/mutants.py [GROUP ...] [--jobs N]`` (``nox -s mutants -- GROUP``). Each group
names the files to mutate, the functions whose mutants count (mutmut's mutant-name globs) and
the tests that guard them. mutmut reads its settings from ``pyproject.toml`` only, so every
group runs in its own copy of the project under ``build/mutants/<group>/`` with a
``[tool.mutmut]`` table written for it, and starts afresh each time. The script prints
killed / total per group and the surviving mutant names; ``mutmut show NAME`` (run in that
folder) shows a survivor's diff. docs/mutation.md records what was run and why the survivors
are acceptable.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "build" / "mutants"


@dataclass(frozen=True)
class Group:
    files: tuple[str, ...]
    """Source files to mutate (relative to the repository)."""
    names: tuple[str, ...]
    """mutmut mutant-name globs that count (``module.x_function__mutmut_*``)."""
    tests: tuple[str, ...]
    """The tests that guard these functions (mutmut runs, per mutant, those that call it)."""


GROUPS: dict[str, Group] = {
    "codes": Group(
        ("src/qnegov/codes/_tax.py", "src/qnegov/codes/_citizen.py"),
        ("qnegov.codes._tax.*", "qnegov.codes._citizen.*"),
        (
            "tests/codes/test_check_digits.py",
            "tests/codes/test_codes_people.py",
            "tests/codes/test_mutants.py",
        ),
    ),
    "strict": Group(
        ("src/qnegov/edxml/_issues.py", "src/qnegov/codes/_base.py"),
        (
            "qnegov.edxml._issues.x_escalate__mutmut_*",
            "qnegov.codes._base.xǁFindingsǁ*",
            "qnegov.codes._base.xǁCodeTypeǁparse__mutmut_*",
            "qnegov.codes._base.xǁCodeTypeǁparse_lenient__mutmut_*",
        ),
        ("tests/codes/test_mutants.py", "tests/edxml/test_strict_switch.py"),
    ),
    "attachments": Group(
        ("src/qnegov/edxml/_attachments.py", "src/qnegov/edxml/_reader.py"),
        (
            "qnegov.edxml._attachments.x_safe_file_name__mutmut_*",
            "qnegov.edxml._attachments.x__clean_name__mutmut_*",
            "qnegov.edxml._attachments.x__fit__mutmut_*",
            "qnegov.edxml._attachments.xǁAttachmentFolderǁ*",
            "qnegov.edxml._attachments.x_member_name_for__mutmut_*",
            "qnegov.edxml._reader.xǁ_Readingǁ_destination__mutmut_*",
            "qnegov.edxml._reader.xǁ_Readingǁ_release__mutmut_*",
        ),
        (
            "tests/edxml/test_attachments.py",
            "tests/edxml/test_attachment_names.py",
            "tests/edxml/test_attachment_contract.py",
            "tests/edxml/test_attachment_folder.py",
        ),
    ),
    # the refusals of the safe parser: prolog scan (DTDs, encodings), parser options, bounds
    "xml": Group(
        ("src/qnegov/_xml.py",),
        (
            "qnegov._xml.x__detect_text__mutmut_*",
            "qnegov._xml.x__refuse_hidden_utf8__mutmut_*",
            "qnegov._xml.x__scan_prolog__mutmut_*",
            "qnegov._xml.x__refuse_doctype__mutmut_*",
            "qnegov._xml.x__new_parser__mutmut_*",
            "qnegov._xml.xǁ_DepthBoundǁstart__mutmut_*",
            "qnegov._xml.xǁ_Cappedǁread__mutmut_*",
            "qnegov._xml.xǁ_Cappedǁreadinto__mutmut_*",
        ),
        (
            "tests/test_xml_safety.py",
            "tests/edxml/test_xml_target.py",
            "tests/test_xml_parser_wall.py",
            "tests/test_xml_refusals.py",
        ),
    ),
    # Authentication and authorisation decisions. ``_admin`` and ``_lgsp`` build their checks
    # as closures once, when the app is created in a module fixture: mutmut ties them to the
    # first test only, so they are left out (docs/mutation.md).
    "hub": Group(
        ("src/qnegov/exchange/hub/_app.py", "src/qnegov/exchange/_signing.py"),
        (
            "qnegov.exchange.hub._app.x__vdxp_caller__mutmut_*",
            "qnegov.exchange.hub._app.x__check_bearer__mutmut_*",
            "qnegov.exchange.hub._app.x__lgsp_caller__mutmut_*",
            "qnegov.exchange.hub._app.x_vdxp_delete__mutmut_*",
            "qnegov.exchange.hub._app.x_lgsp_unregister__mutmut_*",
            "qnegov.exchange._signing.x_verify_headers__mutmut_*",
        ),
        (
            "tests/exchange/test_authz.py",
            "tests/exchange/test_signing.py",
            "tests/exchange/test_request_signature.py",
        ),
    ),
    "signing": Group(
        (
            "src/qnegov/signing/_verify.py",
            "src/qnegov/signing/_trust.py",
            "src/qnegov/signing/_structure.py",
            "src/qnegov/signing/_policy.py",
        ),
        (
            "qnegov.signing._verify.*",
            "qnegov.signing._trust.*",
            "qnegov.signing._structure.*",
            "qnegov.signing._policy.*",
        ),
        # not test_interop (the separate _interop verifier), test_properties (hypothesis) or
        # test_cli_signing (the CLI): each costs seconds per mutant and adds little here
        tuple(
            f"tests/signing/{name}.py"
            for name in (
                "test_defences",
                "test_sign_verify",
                "test_keys_trust",
                "test_by_id",
                "test_interop_profile",
                "test_explain_status",
                "test_locations",
                "test_policy_refusals",
                "test_structure_refusals",
                "test_key_loading",
                "test_policy_rules",
                "test_trust_rules",
                "test_key_checks",
            )
        ),
    ),
}

_KILLED = {1, 3, 37}
# a mutant that makes the tests hang (an endless loop in a scanner) is detected, not missed:
# counted as killed, as mutation tools usually do, and reported apart
_TIMEOUT = {36, 24, -24, 152, 255}
_SURVIVED = {0}


def _toml_list(items: tuple[str, ...] | list[str]) -> str:
    return "[" + ", ".join(json.dumps(i) for i in items) + "]"


def prepare(name: str, group: Group) -> Path:
    """Copy the project into the group's folder with a ``[tool.mutmut]`` table for it."""
    work = WORK / name
    work.mkdir(parents=True, exist_ok=True)
    # a fresh run every time: mutmut's cached stats would not know about new tests
    shutil.rmtree(work / "mutants", ignore_errors=True)
    for folder in ("src", "tests", "schemas"):
        shutil.copytree(
            ROOT / folder,
            work / folder,
            dirs_exist_ok=True,
            ignore=shutil.ignore_patterns("__pycache__", "generated"),
        )
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert "[tool.mutmut]" not in text, "the per-group table is written here, not in pyproject"
    text += (
        "\n[tool.mutmut]\n"
        'source_paths = ["src"]\n'
        f"only_mutate = {_toml_list(group.files)}\n"
        'also_copy = ["schemas"]\n'
        f"pytest_add_cli_args_test_selection = {_toml_list(group.tests)}\n"
        'pytest_add_cli_args = ["-p", "no:cacheprovider", "-q"]\n'
        "use_git_change_detection = false\n"
    )
    tomllib.loads(text)
    (work / "pyproject.toml").write_text(text, encoding="utf-8")
    return work


def results(work: Path, group: Group) -> dict[str, int | None]:
    """Exit code per counted mutant, read from mutmut's ``.meta`` files."""
    from fnmatch import fnmatchcase

    found: dict[str, int | None] = {}
    for source in group.files:
        meta = work / "mutants" / (source + ".meta")
        if not meta.exists():
            continue
        codes = json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]
        for mutant, code in codes.items():
            if any(fnmatchcase(mutant, g) for g in group.names):
                found[mutant] = code
    return found


def run(name: str, jobs: int) -> tuple[int, int, list[str]]:
    group = GROUPS[name]
    work = prepare(name, group)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    mutmut = [sys.executable, "-m", "mutmut"]
    subprocess.run(
        [*mutmut, "run", "--max-children", str(jobs), *group.names],
        cwd=work,
        env=env,
        check=False,
    )
    found = results(work, group)
    timeouts = sorted(m for m, c in found.items() if c in _TIMEOUT)
    for mutant in timeouts:
        print(f"  timed out (counted killed): {mutant}")
    killed = sum(1 for c in found.values() if c in _KILLED or c in _TIMEOUT)
    survivors = sorted(m for m, c in found.items() if c not in _KILLED and c not in _TIMEOUT)
    return killed, len(found), survivors


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("groups", nargs="*", choices=[[], *GROUPS], default=[])
    parser.add_argument("--jobs", type=int, default=1, help="mutants tested in parallel")
    parser.add_argument("--target", type=float, default=0.90, help="kill ratio to reach")
    args = parser.parse_args(argv)
    ok = True
    rows = []
    for name in args.groups or list(GROUPS):
        killed, total, survivors = run(name, args.jobs)
        ratio = killed / total if total else 1.0
        ok = ok and ratio >= args.target
        rows.append((name, killed, total, ratio))
        for survivor in survivors:
            print(f"  not killed: {survivor}")
    print(f"\n{'group':<12} {'killed':>7} {'total':>6} {'ratio':>7}")
    for name, killed, total, ratio in rows:
        print(f"{name:<12} {killed:>7} {total:>6} {ratio:>7.1%}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
