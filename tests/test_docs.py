"""The docs name every issue code and error code the package defines."""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

import qnegov
from qnegov.errors import all_error_classes
from qnegov.report import registered_issue_codes

DOCS = Path(__file__).resolve().parent.parent / "docs"


def _import_everything() -> None:
    for module in pkgutil.walk_packages(qnegov.__path__, "qnegov."):
        if module.name.startswith("qnegov.cli") or module.name.endswith("__main__"):
            continue
        importlib.import_module(module.name)


def test_every_issue_code_is_documented() -> None:
    _import_everything()
    text = (DOCS / "issues.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([a-z0-9_]+)` \|", text, flags=re.MULTILINE))
    missing = sorted(set(registered_issue_codes()) - documented - {"test_only_code"})
    assert not missing, f"issue codes missing from docs/issues.md: {missing}"


def test_every_error_class_is_documented() -> None:
    text = (DOCS / "issues.md").read_text(encoding="utf-8")
    for cls in all_error_classes():
        assert f"| `{cls.__name__}` | `{cls.code}` |" in text, cls.__name__


def test_readme_opens_with_the_two_commands() -> None:
    readme = (DOCS.parent / "README.md").read_text(encoding="utf-8")
    block = readme.split("## Quick start", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    commands = [line for line in block.strip().splitlines() if line.strip()]
    assert commands == [
        'python -m pip install ".[hub]" && qnegov demo',
        'python -m pip install -e ".[dev]" && python -m pytest',
    ]
    ci = (DOCS.parent / ".ci" / "run").read_text(encoding="utf-8")
    assert commands[1] in ci
