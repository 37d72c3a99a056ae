"""The deviation corpus: one packet per way a peer can be wrong, each with its exact issues."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qnegov.edxml import validate

CORPUS = Path(__file__).resolve().parent.parent / "corpus" / "edxml"
EXPECTED: dict[str, list[str]] = json.loads((CORPUS / "expected.json").read_text("utf-8"))


def test_every_file_of_the_corpus_has_an_expectation() -> None:
    assert sorted(p.name for p in CORPUS.glob("*.edxml")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_deviation_yields_exactly_its_issues(name: str) -> None:
    report = validate(CORPUS / name)
    assert sorted(i.code for i in report.issues) == EXPECTED[name]
    assert all(i.line is not None for i in report.issues)  # every issue is located


@pytest.mark.parametrize("name", sorted(n for n, codes in EXPECTED.items() if codes))
def test_strict_mode_refuses_every_deviation_but_the_noted_variants(name: str) -> None:
    report = validate(CORPUS / name, strict=True)
    notes_only = set(EXPECTED[name]) <= {
        "edxml_bare_content_id",
        "edxml_status_in_message_header",
        "edxml_signature_placeholder",
    }
    assert report.valid is notes_only
