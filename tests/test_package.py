"""The public surface, the error tree and the one-parser rule."""

from __future__ import annotations

import re
from pathlib import Path

import qnegov
from qnegov import errors

SRC = Path(__file__).resolve().parent.parent / "src" / "qnegov"


def test_all_is_sorted_unique_and_importable() -> None:
    names = qnegov.__all__
    assert names == sorted(names, key=str)
    assert len(set(names)) == len(names)
    for name in names:
        assert hasattr(qnegov, name), name


def test_error_tree_codes_are_unique_and_drawn_in_the_docstring() -> None:
    classes = errors.all_error_classes()
    codes = [cls.code for cls in classes]
    assert len(set(codes)) == len(codes)
    doc = errors.__doc__ or ""
    for cls in classes:
        assert re.search(rf"\b{cls.__name__}\s+{cls.code}\b", doc), cls.__name__
    assert set(errors.__all__) >= {cls.__name__ for cls in classes}


def test_every_error_is_also_a_builtin() -> None:
    for cls in errors.all_error_classes():
        if cls in (errors.QnegovError, errors.ExchangeError):
            continue
        bases = [b for b in cls.__mro__ if b.__module__ == "builtins"]
        assert any(b not in (Exception, BaseException, object) for b in bases), cls


def test_exit_codes_follow_the_contract() -> None:
    assert errors.UnsafeXMLError.exit_code == 3
    assert errors.InputError.exit_code == 3
    assert errors.InvalidCode.exit_code == 1


PARSER_CALLS = re.compile(
    r"etree\.(XMLParser|fromstring|parse|iterparse|XML|HTMLParser|XMLPullParser|fromstringlist)\("
    r"|xml\.etree|xml\.dom|xml\.sax\.(make_parser|parse)|ElementTree\.(parse|fromstring)"
)


def test_no_xml_parser_is_built_outside_the_safe_module() -> None:
    offenders = []
    for path in SRC.rglob("*.py"):
        if path.name == "_xml.py":
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if PARSER_CALLS.search(line):
                offenders.append(f"{path.relative_to(SRC)}:{n}: {line.strip()}")
    assert not offenders, "XML parsed outside qnegov._xml:\n" + "\n".join(offenders)
