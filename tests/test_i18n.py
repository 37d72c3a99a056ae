"""Every English message template has a Vietnamese translation with the same fields."""

from __future__ import annotations

import ast
import string
from pathlib import Path

import pytest

from qnegov._i18n import catalogue, get_language, language, set_language, tr

SRC = Path(__file__).resolve().parent.parent / "src" / "qnegov"


def _templates() -> dict[str, str]:
    """Every literal first argument of a ``tr(...)`` call in the package, with where it is."""
    found: dict[str, str] = {}
    for path in sorted(SRC.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "tr"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                found.setdefault(node.args[0].value, f"{path.relative_to(SRC)}:{node.lineno}")
    return found


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_template_is_translated() -> None:
    vi = catalogue("vi")
    missing = {t: where for t, where in _templates().items() if t not in vi}
    assert not missing, "untranslated templates:\n" + "\n".join(
        f"  {where}: {t!r}" for t, where in missing.items()
    )


def test_translations_use_the_same_fields() -> None:
    for english, vietnamese in catalogue("vi").items():
        assert _fields(english) == _fields(vietnamese), english


def test_no_stale_translations() -> None:
    used = set(_templates())
    stale = sorted(t for t in catalogue("vi") if t not in used)
    assert not stale, f"translations for templates no code uses: {stale}"


def test_language_switch() -> None:
    assert tr("the file is empty or holds no XML") == "the file is empty or holds no XML"
    with language("vi"):
        assert get_language() == "vi"
        assert tr("the file is empty or holds no XML") != "the file is empty or holds no XML"
    assert get_language() == "en"
    with pytest.raises(ValueError):
        set_language("fr")
